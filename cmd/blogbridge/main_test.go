package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCmdContext(context.Background(), t, args...)
}

// runCmdContext runs a command until it ends or ctx is done.
func runCmdContext(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCheckExampleSite(t *testing.T) {
	code, out, errOut := runCmd(t, "check", "--site", "../../example")
	if code != 0 {
		t.Fatalf("check of the example site exited %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"/posts/stream-days-lisbon-2025/", "content/posts/stream-days-lisbon-2025/index.md", " 0 errors"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckReportsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hugo.toml", "baseURL = 'https://b.example/'\n")
	write("content/posts/ok.md", "---\ntitle: OK\ndate: 2024-01-01\n---\nFine.")
	write("content/posts/broken.md", "---\ntitle: Broken\ntags: [a,\n---\nx")
	code, out, _ := runCmd(t, "check", "--site", dir)
	if code != 1 {
		t.Errorf("exit code %d, want 1 for a site with errors", code)
	}
	if !strings.Contains(out, "content/posts/broken.md:3:") || !strings.Contains(out, "/posts/ok/") {
		t.Errorf("check should list the good page and name the broken file and line:\n%s", out)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "bb.toml")
	os.WriteFile(cfgFile, []byte("site = \""+dir+"\"\naddr = \"localhost:1111\"\ndata = \"from-file\"\nlog_level = \"warn\"\n"), 0o644)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Config
	}{
		{name: "file", args: []string{"--config", cfgFile},
			want: Config{Addr: "localhost:1111", Data: "from-file", LogLevel: "warn"}},
		{name: "env over file", env: map[string]string{"BLOGBRIDGE_ADDR": "localhost:2222"}, args: []string{"--config", cfgFile},
			want: Config{Addr: "localhost:2222", Data: "from-file", LogLevel: "warn"}},
		{name: "flag over env", env: map[string]string{"BLOGBRIDGE_ADDR": "localhost:2222"}, args: []string{"--config", cfgFile, "--addr", "localhost:3333"},
			want: Config{Addr: "localhost:3333", Data: "from-file", LogLevel: "warn"}},
		{name: "config from env", env: map[string]string{"BLOGBRIDGE_CONFIG": cfgFile, "BLOGBRIDGE_DATA": "from-env"},
			want: Config{Addr: "localhost:1111", Data: "from-env", LogLevel: "warn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg, err := loadConfig(fs, tt.args, true)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != tt.want.Addr || cfg.Data != tt.want.Data || cfg.LogLevel != tt.want.LogLevel {
				t.Errorf("got addr=%s data=%s log=%s, want addr=%s data=%s log=%s",
					cfg.Addr, cfg.Data, cfg.LogLevel, tt.want.Addr, tt.want.Data, tt.want.LogLevel)
			}
		})
	}
}

func TestInvalidSettings(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("site = \""+dir+"\"\nadr = \"typo\"\n"), 0o644)
	broken := filepath.Join(dir, "broken.toml")
	os.WriteFile(broken, []byte("site = \"x\nother = 1\n"), 0o644)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad addr", nil, []string{"serve", "--site", dir, "--addr", "nope"}, `addr "nope": want HOST:PORT`},
		{"bad port", nil, []string{"serve", "--site", dir, "--addr", "localhost:99999"}, "port"},
		{"relative base url", nil, []string{"serve", "--site", dir, "--base-url", "/blog/"}, "base-url"},
		{"missing site", nil, []string{"check", "--site", filepath.Join(dir, "nope")}, "site"},
		{"bad log level", nil, []string{"check", "--site", dir, "--log-level", "loud"}, "log-level"},
		{"bad bool env", map[string]string{"BLOGBRIDGE_DRAFTS": "maybe"}, []string{"check", "--site", dir}, "BLOGBRIDGE_DRAFTS"},
		{"unknown key in file", nil, []string{"check", "--config", bad}, `bad.toml:2: unknown setting "adr"`},
		{"broken file names line", nil, []string{"check", "--config", broken}, "broken.toml:1"},
		{"missing explicit file", nil, []string{"check", "--config", filepath.Join(dir, "none.toml")}, "config file"},
		{"stray argument", nil, []string{"check", "--site", dir, "extra"}, `unexpected argument "extra"`},
		{"bad memory limit", nil, []string{"check", "--site", dir, "--memory-limit", "lots"}, "memory-limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, errOut := runCmd(t, tt.args...)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q lacks %q", errOut, tt.want)
			}
		})
	}
}

func TestHelpAndVersion(t *testing.T) {
	if code, out, _ := runCmd(t, "version"); code != 0 || !strings.HasPrefix(out, "blogbridge ") {
		t.Errorf("version: %d %q", code, out)
	}
	for _, cmd := range []string{"serve", "check"} {
		code, _, errOut := runCmd(t, cmd, "--help")
		if code != 0 || !strings.Contains(errOut, "-site") || !strings.Contains(errOut, "BLOGBRIDGE_SITE") {
			t.Errorf("%s --help: exit %d, output %q", cmd, code, errOut)
		}
	}
	if code, _, errOut := runCmd(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MiB", 256 << 20, true}, {"1GiB", 1 << 30, true}, {"512MB", 512e6, true},
		{"1024", 1024, true}, {"0", 0, true}, {" 2 GiB ", 2 << 30, true},
		{"-1", 0, false}, {"lots", 0, false}, {"9999999999GiB", 0, false},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
