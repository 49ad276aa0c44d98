package fedisim

import "strconv"

// publicAudience is the ActivityStreams public collection.
const publicAudience = "https://www.w3.org/ns/activitystreams#Public"

// activityContext is the @context of the activities the actors send.
const activityContext = "https://www.w3.org/ns/activitystreams"

// newActivityID returns an id under from that no other activity of this
// simulator has.
func (s *Sim) newActivityID(from *Actor, kind string) string {
	return from.ID + "/" + kind + "/" + strconv.FormatUint(s.nextID(), 10)
}

// Follow returns a Follow of object (an actor id) by from.
func (s *Sim) Follow(from *Actor, object string) map[string]any {
	return map[string]any{
		"@context": activityContext,
		"id":       s.newActivityID(from, "follows"),
		"type":     "Follow",
		"actor":    from.ID,
		"object":   object,
	}
}

// Undo returns an Undo by from of activity, which is embedded whole, as
// Mastodon does.
func (s *Sim) Undo(from *Actor, activity map[string]any) map[string]any {
	inner := make(map[string]any, len(activity))
	for k, v := range activity {
		if k != "@context" {
			inner[k] = v
		}
	}
	return map[string]any{
		"@context": activityContext,
		"id":       s.newActivityID(from, "undos"),
		"type":     "Undo",
		"actor":    from.ID,
		"object":   inner,
	}
}

// Like returns a Like of object (an object id) by from.
func (s *Sim) Like(from *Actor, object string) map[string]any {
	return map[string]any{
		"@context": activityContext,
		"id":       s.newActivityID(from, "likes"),
		"type":     "Like",
		"actor":    from.ID,
		"object":   object,
	}
}

// Announce returns a public Announce (boost) of object by from.
func (s *Sim) Announce(from *Actor, object string) map[string]any {
	return map[string]any{
		"@context": activityContext,
		"id":       s.newActivityID(from, "announces"),
		"type":     "Announce",
		"actor":    from.ID,
		"object":   object,
		"to":       []any{publicAudience},
		"cc":       []any{from.ID + "/followers"},
	}
}

// Reply returns a public Create of a Note by from replying to inReplyTo,
// with content as its HTML.
func (s *Sim) Reply(from *Actor, inReplyTo, content string) map[string]any {
	noteID := s.newActivityID(from, "statuses")
	published := s.now().UTC().Format("2006-01-02T15:04:05Z")
	return map[string]any{
		"@context":  activityContext,
		"id":        noteID + "/activity",
		"type":      "Create",
		"actor":     from.ID,
		"published": published,
		"to":        []any{publicAudience},
		"cc":        []any{from.ID + "/followers"},
		"object": map[string]any{
			"id":           noteID,
			"type":         "Note",
			"attributedTo": from.ID,
			"inReplyTo":    inReplyTo,
			"content":      content,
			"published":    published,
			"url":          noteID,
			"to":           []any{publicAudience},
			"cc":           []any{from.ID + "/followers"},
		},
	}
}

// DeleteActor returns the Delete by from of from itself, as a server sends
// when an account is removed.
func (s *Sim) DeleteActor(from *Actor) map[string]any {
	return map[string]any{
		"@context": activityContext,
		"id":       from.ID + "#delete/" + strconv.FormatUint(s.nextID(), 10),
		"type":     "Delete",
		"actor":    from.ID,
		"object":   from.ID,
		"to":       []any{publicAudience},
	}
}
