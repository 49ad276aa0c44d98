package main

import "syscall"

// childAttr makes a child process die with this program, so that no serve
// outlives a harness that was killed.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
