package outbound

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestForbidden(t *testing.T) {
	tests := []struct {
		ip     string
		reason string // "" for allowed
	}{
		{"93.184.215.14", ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""},
		{"127.0.0.1", "loopback"},
		{"127.5.6.7", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "link-local (cloud metadata)"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"fc00::1", "private (unique local)"},
		{"fd00:ec2::254", "private (unique local)"},
		{"fe80::1", "link-local"},
		{"ff02::1", "multicast"},
		{"224.0.0.1", "multicast"},
		{"2002:7f00:1::", "loopback (6to4)"},
		{"2002:5db8:d70e::", ""},
	}
	for _, tt := range tests {
		if got := Forbidden(netip.MustParseAddr(tt.ip)); got != tt.reason {
			t.Errorf("Forbidden(%s) = %q, want %q", tt.ip, got, tt.reason)
		}
	}
}

func get(t *testing.T, c *Client, url string) (*http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

// allowFirst allows the test server at 127.0.0.1 and nothing else local.
func allowFirst() []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} }

func TestRefusals(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	// A second server on another loopback address stands for a private one.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	private := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	private.Listener = ln
	private.Start()
	defer private.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/secret", http.StatusFound)
	}))
	defer redirector.Close()

	tests := []struct {
		name string
		opts Options
		url  string
	}{
		{"loopback", Options{}, srv.URL},
		{"name resolving to loopback", Options{}, "http://localhost:" + port + "/"},
		{"metadata address", Options{Timeout: time.Second}, "http://169.254.169.254/latest/meta-data/"},
		{"private range", Options{Timeout: time.Second}, "http://10.0.0.1/"},
		{"private v6", Options{Timeout: time.Second}, "http://[fd00::1]/"},
		{"redirect to a refused address", Options{Allow: allowFirst()}, redirector.URL},
		{"file scheme", Options{}, "file:///etc/passwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := get(t, New(tt.opts), tt.url)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("request to %s succeeded (%s); want refusal", tt.url, resp.Status)
			}
			if tt.name != "file scheme" && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("err = %v, want ErrForbiddenAddress", err)
			}
		})
	}

	// Allowed explicitly, the same requests go through.
	for _, opts := range []Options{{AllowPrivate: true}, {Allow: allowFirst()}} {
		resp, err := get(t, New(opts), srv.URL)
		if err != nil {
			t.Fatalf("allowed request failed: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Errorf("body = %q", b)
		}
	}
}

func TestLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2000)) })
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 1000)) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxBody: 1000, Timeout: 300 * time.Millisecond, MaxRedirects: 2})

	resp, err := get(t, c, srv.URL+"/big")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("reading 2000 bytes with a 1000 limit: err = %v, want ErrBodyTooLarge", err)
	}
	resp.Body.Close()

	resp, err = get(t, c, srv.URL+"/exact")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || len(b) != 1000 {
		t.Errorf("body of exactly the limit: %d bytes, %v", len(b), err)
	}
	resp.Body.Close()

	start := time.Now()
	if _, err := get(t, c, srv.URL+"/slow"); err == nil || time.Since(start) > time.Second {
		t.Errorf("slow response: err = %v after %v, want a timeout near 300ms", err, time.Since(start))
	}
	if _, err := get(t, c, srv.URL+"/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: err = %v", err)
	}
}

// TestMaxConnsPerHost sends more requests at once than the client may
// open connections to one server: the server never sees more connections
// than the limit, and every request is answered.
func TestMaxConnsPerHost(t *testing.T) {
	const limit, requests = 3, 12
	var mu sync.Mutex
	open, most := 0, 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // keep the requests overlapping
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch state {
		case http.StateNew:
			open++
			most = max(most, open)
		case http.StateClosed, http.StateHijacked:
			open--
		}
	}
	srv.Start()
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxConnsPerHost: limit})
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() {
			resp, err := get(t, c, srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if most > limit || most == 0 {
		t.Errorf("the server saw %d connections at once, want at most %d", most, limit)
	}
}
