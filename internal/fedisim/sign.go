package fedisim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/blogbridge/blogbridge/internal/httpsig"
)

// sign signs req, whose body is body, as from in the given style.
func sign(req *http.Request, body []byte, from *Actor, style SignStyle, now time.Time) error {
	var err error
	switch style {
	case Cavage:
		err = httpsig.NewSigner(from.KeyID, from.rsaKey).Sign(req, body, now)
	case RFC9421RSA:
		err = httpsig.NewSigner(from.KeyID, from.rsaKey).SignRFC9421(req, body, now)
	case RFC9421Ed25519:
		if from.edKey == nil {
			return fmt.Errorf("fedisim: %s has no ed25519 key (start with Options.Ed25519)", from.ID)
		}
		err = httpsig.NewSigner(from.Ed25519KeyID, from.edKey).SignRFC9421(req, body, now)
	default:
		return fmt.Errorf("fedisim: unknown signature style %d", int(style))
	}
	if err != nil {
		return fmt.Errorf("fedisim: sign as %s: %w", from.ID, err)
	}
	return nil
}
