package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOpenCreatesCurrentSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion {
		t.Errorf("schema version = %d, want %d", v, SchemaVersion)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("database file: %v", err)
	}
}

func TestReopenKeepsVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, pidFileName)); !os.IsNotExist(err) {
		t.Errorf("pid file left behind after Close: %v", err)
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if v, _ := s.Version(); v != SchemaVersion {
		t.Errorf("schema version after reopen = %d", v)
	}
}

// TestSecondProcessGetsInUse opens the store in a child process (bbolt's lock
// is per process, so a second Open in this one would not contend) and checks
// that Open here fails quickly naming the child's pid.
func TestSecondProcessGetsInUse(t *testing.T) {
	if os.Getenv("BLOGBRIDGE_STORE_HOLDER") != "" {
		s, err := Open(os.Getenv("BLOGBRIDGE_STORE_HOLDER"))
		if err != nil {
			os.Exit(2)
		}
		defer s.Close()
		os.Stdout.WriteString("ready\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf) // hold until the parent closes stdin
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondProcessGetsInUse$")
	cmd.Env = append(os.Environ(), "BLOGBRIDGE_STORE_HOLDER="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	buf := make([]byte, 6)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("holder did not start: %q %v", buf, err)
	}
	_, err = Open(dir)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("Open while held: err = %v, want ErrInUse", err)
	}
	if want := "pid " + strconv.Itoa(cmd.Process.Pid); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Simulate a file written by a newer blogbridge.
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setVersion(SchemaVersion + 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of newer schema: err = %v, want a 'newer' error", err)
	}
}
