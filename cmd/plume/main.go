package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/plumetrace/plume/chain"
	"github.com/plumetrace/plume/store"
	"github.com/plumetrace/plume/trace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newRoot(stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	if code == exitInterrupted && ctx.Err() != nil {
		err = errors.New("interrupted")
	}
	fmt.Fprintln(stderr, "plume:", err)
	return code
}

// Exit codes; see doc.go.
const (
	exitFailure     = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitLocked      = 4
	exitInterrupted = 130
)

// usageError marks a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errNoStore: --data holds no store.
var errNoStore = errors.New("no store")

func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, store.ErrLocked):
		return exitLocked
	case errors.As(err, &ue), errors.Is(err, trace.ErrBadSeed), errors.Is(err, chain.ErrBadAddress),
		errors.Is(err, chain.ErrWrongNetwork), errors.Is(err, store.ErrWrongNetwork), errors.Is(err, store.ErrCaseName):
		return exitUsage
	case errors.Is(err, errNoStore), errors.Is(err, chain.ErrNotFound):
		return exitNotFound
	}
	return exitFailure
}
