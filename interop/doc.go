// Package interop holds the interoperability tests of blogbridge: a real
// blogbridge process, behind TLS on loopback, read by independent
// implementations of the protocols it speaks. The ActivityPub side is read
// by Fedify (read.mjs, installed with npm ci in this folder).
package interop
