// Package loopback finds addresses for servers that tests start as separate
// processes or goroutines and reach by URL.
package loopback

import (
	"math/rand/v2"
	"net"
	"strconv"
)

// FreeAddr returns host:port on a random address in 127.0.0.0/8 other than
// 127.0.0.1, with a port that was free a moment ago.
//
// A port found free on 127.0.0.1 and handed to a server can be taken in
// between by any outgoing connection on the machine, since those use
// 127.0.0.1 as their source. On another loopback address it can only be
// taken by a listener that picked the same random address.
func FreeAddr() (string, error) {
	ip := net.IPv4(127, byte(1+rand.IntN(254)), byte(rand.IntN(256)), byte(1+rand.IntN(254)))
	ln, err := net.Listen("tcp4", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return "", err
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	return net.JoinHostPort(ip.String(), strconv.Itoa(port)), nil
}
