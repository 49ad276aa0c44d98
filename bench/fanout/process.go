package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serveProc is a running blogbridge serve.
type serveProc struct {
	cmd    *exec.Cmd
	logs   *logSink
	exited chan struct{} // closed once the process has exited
	err    error         // how it exited, once exited is closed
	once   sync.Once
}

// startProcess starts bin with args, its output going to logPath (and to
// echo when not nil). The process is killed when ctx is done, and when
// this program dies (on Linux).
func startProcess(ctx context.Context, bin string, args []string, logPath string, echo io.Writer) (*serveProc, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	sink := newLogSink(f, echo)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = sink, sink
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &serveProc{cmd: cmd, logs: sink, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		sink.finish()
		f.Close()
		close(p.exited)
	}()
	return p, nil
}

// pid is the process id.
func (p *serveProc) pid() int { return p.cmd.Process.Pid }

// waitReady polls url until it answers 200, the process exits or ctx is
// done.
func (p *serveProc) waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("serve exited before answering (%v); its log:\n%s", p.err, p.logs.tail(20))
		case <-ctx.Done():
			return fmt.Errorf("serve did not answer %s: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill() {
	p.once.Do(func() { p.cmd.Process.Kill() })
	<-p.exited
}

// stop sends SIGTERM and waits up to grace for a clean exit, then kills.
// It returns the exit error of a process that did not exit cleanly.
func (p *serveProc) stop(grace time.Duration) error {
	select {
	case <-p.exited:
		return p.err
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		return p.err
	case <-time.After(grace):
		p.kill()
		return fmt.Errorf("serve did not stop within %s of SIGTERM", grace)
	}
}

// peakRSS returns the process's peak resident set (VmHWM), in bytes.
func (p *serveProc) peakRSS() (int64, error) {
	return procStatusBytes(p.pid(), "VmHWM")
}

// cpuTime returns the CPU time the process has used so far.
func (p *serveProc) cpuTime() (time.Duration, error) {
	return procCPU(strconv.Itoa(p.pid()))
}

// procStatusBytes reads a "kB" field of /proc/PID/status.
func procStatusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status %s: %w", pid, field, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go runs on.
const clockTicks = 100

// procCPU reads the user and system time of /proc/PID/stat (PID may be
// "self").
func procCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("/proc/" + pid + "/stat: unexpected format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("/proc/" + pid + "/stat: unexpected format")
	}
	// Fields 14 and 15 of the file (utime, stime) are 12 and 13 here.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// logSink takes serve's output: it writes it to a file, optionally echoes
// it, keeps the last lines and counts the messages of its JSON log lines.
type logSink struct {
	file io.Writer
	echo io.Writer

	mu      sync.Mutex
	partial []byte
	last    []string
	msgs    map[string]int
	changed chan struct{}
	done    bool
}

func newLogSink(file, echo io.Writer) *logSink {
	return &logSink{file: file, echo: echo, msgs: make(map[string]int), changed: make(chan struct{})}
}

// Write takes a chunk of output, which may hold parts of lines.
func (s *logSink) Write(p []byte) (int, error) {
	s.file.Write(p)
	if s.echo != nil {
		s.echo.Write(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.line(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
	}
	return len(p), nil
}

// line handles one line; the caller holds mu.
func (s *logSink) line(l string) {
	s.last = append(s.last, l)
	if len(s.last) > 50 {
		s.last = s.last[len(s.last)-50:]
	}
	var rec struct {
		Msg string `json:"msg"`
	}
	if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg != "" {
		s.msgs[rec.Msg]++
		close(s.changed)
		s.changed = make(chan struct{})
	}
}

// finish notes that no more output comes.
func (s *logSink) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.line(string(s.partial))
		s.partial = nil
	}
	s.done = true
	close(s.changed)
	s.changed = make(chan struct{})
}

// count returns how many times msg was logged.
func (s *logSink) count(msg string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[msg]
}

// wait returns once msg has been logged, or fails when exited is closed
// or ctx is done first.
func (s *logSink) wait(ctx context.Context, msg string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		s.mu.Lock()
		n, changed, done := s.msgs[msg], s.changed, s.done
		s.mu.Unlock()
		if n > 0 {
			return nil
		}
		if done {
			return fmt.Errorf("serve exited without logging %q; its log:\n%s", msg, s.tail(20))
		}
		select {
		case <-changed:
		case <-exited:
		case <-ctx.Done():
			return fmt.Errorf("serve did not log %q: %w", msg, ctx.Err())
		}
	}
}

// tail returns the last n lines of output.
func (s *logSink) tail(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.last[max(0, len(s.last)-n):]
	var b strings.Builder
	for _, l := range last {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// goroot is the Go installation this program was built with.
func goroot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	return runtime.GOROOT()
}

// firstLine returns the first line of a file such as /proc/loadavg, or
// "" when it cannot be read.
func firstLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if sc.Scan() {
		return sc.Text()
	}
	return ""
}

// tcpActiveOpens returns how many TCP connections this machine has
// opened since boot (ActiveOpens in /proc/net/snmp), every process
// counted.
func tcpActiveOpens() (int64, error) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, err
	}
	var names []string
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "Tcp:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "ActiveOpens" && i < len(f) {
				return strconv.ParseInt(f[i], 10, 64)
			}
		}
	}
	return 0, errors.New("/proc/net/snmp has no Tcp ActiveOpens")
}
