//go:build linux

// Command bare answers every request on a keep-alive connection with one
// fixed HTTP response, read from a file at start, and does nothing else: it
// finds the end of each request head and sends the response, with no
// parsing, limits, timeouts or Date header of its own. It is not a server.
// bench/ap.sh runs it with BARE=1 beside blogbridge and nginx to bound, for
// the object, what blogbridge's HTTP connection loop costs and what sending
// the body without copying it would save:
//
//	-send writev     the head and the body in one writev, as blogbridge does
//	-send sendfile   the whole response by sendfile(2) from the file, as
//	                 nginx does, so the body is never copied
//
// The response file holds the head and the body exactly as they go out
// (curl -sD head -o body URL; cat head body > FILE).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18500", "address to listen on")
	file := flag.String("response", "", "file holding the whole response, head and body")
	send := flag.String("send", "writev", "how to send the response: writev or sendfile")
	flag.Parse()

	response, err := os.ReadFile(*file)
	if err != nil {
		log.Fatal(err)
	}
	end := bytes.Index(response, []byte("\r\n\r\n"))
	if end < 0 {
		log.Fatalf("%s: no end of the head (CRLF CRLF)", *file)
	}
	head, body := response[:end+4], response[end+4:]

	var respond func(*net.TCPConn, syscall.RawConn) error
	switch *send {
	case "writev":
		respond = func(c *net.TCPConn, _ syscall.RawConn) error {
			bufs := net.Buffers{head, body}
			_, err := bufs.WriteTo(c)
			return err
		}
	case "sendfile":
		// A descriptor of its own: an *os.File's finalizer would close it
		// once the file is unreachable, while sendfile still uses it.
		fd, err := syscall.Open(*file, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			log.Fatal(err)
		}
		size := len(response)
		respond = func(_ *net.TCPConn, raw syscall.RawConn) error { return sendFile(raw, fd, size) }
	default:
		log.Fatalf("-send %q: want writev or sendfile", *send)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c.(*net.TCPConn), respond)
	}
}

// serve answers each request head c sends with respond, until c fails or
// sends a head longer than the buffer.
func serve(c *net.TCPConn, respond func(*net.TCPConn, syscall.RawConn) error) {
	defer c.Close()
	raw, err := c.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 4096)
	have := 0
	for have < len(buf) {
		n, err := c.Read(buf[have:])
		if err != nil {
			return
		}
		have += n
		for {
			end := bytes.Index(buf[:have], []byte("\r\n\r\n"))
			if end < 0 {
				break
			}
			have = copy(buf, buf[end+4:have])
			if err := respond(c, raw); err != nil {
				return
			}
		}
	}
}

// sendFile sends the first size bytes of the file fd on the connection raw
// with sendfile(2), from an explicit offset so that connections share the
// file, and through Go's poller, which waits while the send buffer is full.
func sendFile(raw syscall.RawConn, fd, size int) error {
	var sent int
	var sendErr error
	err := raw.Write(func(s uintptr) bool {
		for sent < size {
			off := int64(sent)
			n, err := syscall.Sendfile(int(s), fd, &off, size-sent)
			sent += max(n, 0)
			switch {
			case errors.Is(err, syscall.EAGAIN):
				return false
			case err != nil:
				sendErr = err
				return true
			case n == 0:
				sendErr = fmt.Errorf("sendfile: the file ended after %d of %d bytes", sent, size)
				return true
			}
		}
		return true
	})
	return errors.Join(err, sendErr)
}
