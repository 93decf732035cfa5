//go:build !linux

package btcdtest

import "syscall"

// procAttr has no way here to tie the node's life to the test process's;
// cleanups stop it.
func procAttr() *syscall.SysProcAttr { return nil }
