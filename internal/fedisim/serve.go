package fedisim

import (
	"encoding/json"
	"net/http"
	"strings"
)

const (
	contentTypeActivity = "application/activity+json"
	contentTypeJRD      = "application/jrd+json"
)

var _ http.Handler = (*Sim)(nil)

// ServeHTTP serves a request to any of the simulated servers, telling them
// apart by the port the request came in on. A server's fault, if any, is
// applied here: Gone to every request, the others to inbox POSTs (or to
// every request with Fault.AllRequests).
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sv := s.serverOf(r)
	if sv == nil {
		http.Error(w, "unknown server", http.StatusMisdirectedRequest)
		return
	}
	if f := sv.activeFault(s.now()); f != nil && (f.Kind == Gone || f.AllRequests || isInboxPost(r)) {
		s.rec.faulted(f.Kind)
		if f.Kind == SlowBody {
			s.serveSlowly(w, r, f)
			return
		}
		s.applyFault(w, r, f)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// isInboxPost reports whether r is a delivery to an inbox.
func isInboxPost(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/inbox" || strings.HasSuffix(r.URL.Path, "/inbox"))
}

// routes returns the handler every server shares.
func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/webfinger", s.webfinger)
	mux.HandleFunc("GET /users/{name}", s.actor)
	mux.HandleFunc("GET /users/{name}/outbox", s.collection("outbox"))
	mux.HandleFunc("GET /users/{name}/followers", s.collection("followers"))
	mux.HandleFunc("GET /users/{name}/following", s.collection("following"))
	mux.HandleFunc("POST /users/{name}/inbox", s.personalInbox)
	mux.HandleFunc("POST /inbox", s.sharedInbox)
	return mux
}

// webfinger answers acct:name@host and actor URL lookups.
func (s *Sim) webfinger(w http.ResponseWriter, r *http.Request) {
	sv := s.serverOf(r)
	resource := r.URL.Query().Get("resource")
	if resource == "" {
		http.Error(w, "resource required", http.StatusBadRequest)
		return
	}
	var a *Actor
	if acct, ok := strings.CutPrefix(resource, "acct:"); ok {
		name, host, _ := strings.Cut(acct, "@")
		if host == sv.host {
			a = sv.actors[name]
		}
	} else if name, ok := strings.CutPrefix(resource, sv.base+"/users/"); ok {
		a = sv.actors[name]
	}
	if a == nil {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, contentTypeJRD, map[string]any{
		"subject": "acct:" + a.Handle,
		"aliases": []string{a.ID},
		"links": []map[string]any{
			{"rel": "self", "type": contentTypeActivity, "href": a.ID},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": a.ID},
		},
	})
}

// actor serves an actor document, Mastodon style.
func (s *Sim) actor(w http.ResponseWriter, r *http.Request) {
	a := s.serverOf(r).actors[r.PathValue("name")]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", contentTypeActivity)
	w.Write(a.doc)
}

// actorDocument is a's ActivityStreams representation.
func actorDocument(a *Actor) map[string]any {
	ctx := []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"}
	doc := map[string]any{
		"id":                a.ID,
		"type":              "Person",
		"preferredUsername": a.Name,
		"name":              a.Name,
		"url":               a.ID,
		"inbox":             a.Inbox,
		"outbox":            a.ID + "/outbox",
		"followers":         a.ID + "/followers",
		"following":         a.ID + "/following",
		"endpoints":         map[string]any{"sharedInbox": a.SharedInbox},
		"publicKey": map[string]any{
			"id":           a.KeyID,
			"owner":        a.ID,
			"publicKeyPem": a.rsaPEM,
		},
	}
	if a.Ed25519KeyID != "" {
		ctx = append(ctx, "https://w3id.org/security/multikey/v1")
		doc["assertionMethod"] = []any{map[string]any{
			"id":                 a.Ed25519KeyID,
			"type":               "Multikey",
			"controller":         a.ID,
			"publicKeyMultibase": a.edMulti,
		}}
	}
	doc["@context"] = ctx
	return doc
}

// collection serves an empty ordered collection of an actor.
func (s *Sim) collection(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := s.serverOf(r).actors[r.PathValue("name")]
		if a == nil {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, contentTypeActivity, map[string]any{
			"@context":     "https://www.w3.org/ns/activitystreams",
			"id":           a.ID + "/" + kind,
			"type":         "OrderedCollection",
			"totalItems":   0,
			"orderedItems": []any{},
		})
	}
}

// writeJSON writes v with content type ct.
func writeJSON(w http.ResponseWriter, ct string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(body)
}
