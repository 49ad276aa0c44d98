package interop

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/blogbridge/blogbridge/internal/loopback"
)

// need skips the test when a tool is missing, except in CI, where the
// tool must be there.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %v", what, err)
	}
	t.Skipf("%s: %v", what, err)
}

// binDir holds the blogbridge binary the tests run; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "blogbridge-interop-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildOnce builds blogbridge once for every test of the run.
var buildOnce = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "blogbridge")
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "../cmd/blogbridge").CombinedOutput()
	if err != nil {
		return "", &buildError{err, out}
	}
	return bin, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

// startBlogbridge runs blogbridge serve on the example site at addr with
// base as its public URL, until the test ends.
func startBlogbridge(t *testing.T, addr, base string) {
	t.Helper()
	bin, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	serve := exec.Command(bin, "serve", "--config", os.DevNull, "--site", "../example", "--data", t.TempDir(),
		"--addr", addr, "--base-url", base)
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		serve.Process.Signal(os.Interrupt)
		stopped := time.AfterFunc(time.Minute, func() {
			t.Error("blogbridge did not stop within a minute of SIGINT")
			serve.Process.Kill()
		})
		serve.Wait()
		stopped.Stop()
		if t.Failed() {
			t.Logf("blogbridge output:\n%s", logs.String())
		}
	})
	waitReady(t, "http://"+addr+"/ap/actor")
}

// testClient bounds every request a test makes to a server it started, so
// that a server that hangs fails the test instead of stalling the run.
var testClient = &http.Client{Timeout: 10 * time.Second}

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := loopback.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitReady polls u until it answers 200.
func waitReady(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := testClient.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 30s", u)
}
