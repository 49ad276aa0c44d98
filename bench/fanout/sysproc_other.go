//go:build !linux

package main

import "syscall"

// childAttr is nil where a child cannot be tied to its parent's life; the
// harness still kills its children when it ends normally.
func childAttr() *syscall.SysProcAttr {
	return nil
}
