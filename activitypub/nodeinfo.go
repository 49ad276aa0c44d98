package activitypub

// softwareName is the software name NodeInfo reports.
const softwareName = "blogbridge"

// NodeInfo schema URIs, which are also the link relations of the discovery
// document.
const (
	nodeInfo20 = "http://nodeinfo.diaspora.software/ns/schema/2.0"
	nodeInfo21 = "http://nodeinfo.diaspora.software/ns/schema/2.1"
)

// Paths of the NodeInfo documents, at the root of the host.
const (
	pathNodeInfoDiscovery = "/.well-known/nodeinfo"
	pathNodeInfo20        = "/nodeinfo/2.0"
	pathNodeInfo21        = "/nodeinfo/2.1"
)

type nodeInfoLinks struct {
	Links []jrdLink `json:"links"`
}

// nodeInfoDiscovery links to both NodeInfo versions served.
func nodeInfoDiscovery(origin string) nodeInfoLinks {
	return nodeInfoLinks{Links: []jrdLink{
		{Rel: nodeInfo20, Href: origin + pathNodeInfo20},
		{Rel: nodeInfo21, Href: origin + pathNodeInfo21},
	}}
}

// nodeInfo is a NodeInfo 2.0 or 2.1 document; the two differ only in
// their version here.
type nodeInfo struct {
	Version           string           `json:"version"`
	Software          nodeInfoSoftware `json:"software"`
	Protocols         []string         `json:"protocols"`
	Services          nodeInfoServices `json:"services"`
	OpenRegistrations bool             `json:"openRegistrations"`
	Usage             nodeInfoUsage    `json:"usage"`
	Metadata          map[string]any   `json:"metadata"`
}

type nodeInfoSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type nodeInfoServices struct {
	Inbound  []string `json:"inbound"`
	Outbound []string `json:"outbound"`
}

type nodeInfoUsage struct {
	Users      nodeInfoUsers `json:"users"`
	LocalPosts int           `json:"localPosts"`
}

type nodeInfoUsers struct {
	Total          int `json:"total"`
	ActiveHalfyear int `json:"activeHalfyear"`
	ActiveMonth    int `json:"activeMonth"`
}

// siteToNodeInfo describes the server: blogbridge at version, speaking
// ActivityPub for one actor with posts federated posts. schema is "2.0" or
// "2.1".
func siteToNodeInfo(schema, version string, posts int, pr profile) nodeInfo {
	if version == "" {
		version = "dev"
	}
	ni := nodeInfo{
		Version:   schema,
		Software:  nodeInfoSoftware{Name: softwareName, Version: version},
		Protocols: []string{"activitypub"},
		Services:  nodeInfoServices{Inbound: []string{}, Outbound: []string{}},
		Usage: nodeInfoUsage{
			Users:      nodeInfoUsers{Total: 1, ActiveHalfyear: 1, ActiveMonth: 1},
			LocalPosts: posts,
		},
		Metadata: map[string]any{"nodeName": pr.name},
	}
	if pr.summary != "" {
		ni.Metadata["nodeDescription"] = pr.summary
	}
	return ni
}
