package fedisim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrNotLoopback is returned for a URL or address outside loopback: the
// simulator talks to nothing else.
var ErrNotLoopback = errors.New("fedisim: not a loopback address")

// checkLoopbackURL returns the parsed raw URL if it is http(s) on a
// loopback host.
func checkLoopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("fedisim: parse %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fedisim: %q: only http and https", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return u, nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return nil, fmt.Errorf("%w: %s", ErrNotLoopback, raw)
	}
	return u, nil
}

// loopbackClient is an HTTP client whose connections can only go to
// loopback addresses, checked on the address dialed.
func loopbackClient(timeout time.Duration, perHost int) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrNotLoopback, address)
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !ip.Unmap().IsLoopback() {
				return fmt.Errorf("%w: %s", ErrNotLoopback, address)
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        4 * perHost,
		MaxIdleConnsPerHost: perHost,
		IdleConnTimeout:     30 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return fmt.Errorf("fedisim: stopped after %d redirects", len(via))
			}
			_, err := checkLoopbackURL(req.URL.String())
			return err
		},
	}
}
