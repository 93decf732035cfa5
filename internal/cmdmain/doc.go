// Package cmdmain holds what plume's example commands share around their
// run functions: interrupt handling, the exit status, and repeatable flags.
// It keeps each example's main.go about its case, not its plumbing.
package cmdmain
