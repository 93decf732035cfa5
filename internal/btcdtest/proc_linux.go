package btcdtest

import "syscall"

// procAttr makes the kernel kill a node when the test process dies
// without running its cleanups (a panic, a -timeout), so no btcd is left
// behind holding ports.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
