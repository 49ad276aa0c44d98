// Package outbound is the one HTTP client blogbridge uses to talk to other
// servers: fetching actors and keys, delivering activities, pinging hubs.
//
// It refuses loopback, private, link-local, shared, multicast and metadata
// addresses, checked on the address actually dialed (so a name that
// resolves, or re-resolves, to such an address is refused too), unless the
// operator allows private networks. Every request has a timeout, every
// response body a size limit, and redirects are few and checked the same
// way.
package outbound
