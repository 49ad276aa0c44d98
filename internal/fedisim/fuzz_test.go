package fedisim

import (
	"net/http"
	"testing"
)

func FuzzParseCavage(f *testing.F) {
	f.Add(`keyId="http://127.0.0.1:1/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2ln"`)
	f.Add(`keyId="k", signature="a,b", created=1700000000, headers="(created)"`)
	f.Add(`keyId=unquoted,signature=x`)
	f.Add(`keyId="k",keyId="k"`)
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parseCavage(v)
		if err != nil {
			return
		}
		if p.keyID == "" || p.signature == "" || len(p.headers) == 0 {
			t.Errorf("parsed %q into %+v", v, p)
		}
	})
}

func FuzzRFCSignatures(f *testing.F) {
	f.Add(`sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="k";alg="ed25519"`, `sig1=:c2ln:`)
	f.Add(`a=("@method");created=1, b=?0`, `a=:YQ==:, b=1`)
	f.Add(`sig1="str"`, `sig1=:c2ln:`)
	f.Fuzz(func(t *testing.T, input, signature string) {
		h := http.Header{"Signature-Input": {input}, "Signature": {signature}}
		sigs, err := rfcSignatures(h)
		if err != nil {
			return
		}
		for _, s := range sigs {
			if s.value == nil {
				t.Errorf("signature %s without a value", s.label)
			}
		}
	})
}
