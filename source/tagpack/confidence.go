package tagpack

import "strings"

// Confidence is how far a tag can be trusted, as GraphSense grades it: a
// named level (ID, as written in TagPacks), a short description (Label) and
// a score from 0 to 100 (Level) to compare tags by.
type Confidence struct {
	ID    string
	Label string
	Level int
}

// The confidence levels of GraphSense's confidence.csv (graphsense-tagpack-
// tool, src/tagpack/db), highest first. A tag that states no confidence
// gets ConfidenceUnknown, the lowest, as the GraphSense tool assigns it.
var (
	ConfidenceOverride             = Confidence{"override", "Manual cluster tag", 100}
	ConfidenceOwnership            = Confidence{"ownership", "Proven address ownership", 100}
	ConfidenceManualTransaction    = Confidence{"manual_transaction", "Trusted transaction", 90}
	ConfidenceServiceAPI           = Confidence{"service_api", "Service API", 70}
	ConfidenceAuthorityData        = Confidence{"authority_data", "Authority data", 60}
	ConfidenceTrustedProvider      = Confidence{"trusted_provider", "Trusted data providers", 50}
	ConfidenceServiceData          = Confidence{"service_data", "Service data", 50}
	ConfidenceForensic             = Confidence{"forensic", "Forensic reports", 50}
	ConfidenceUntrustedTransaction = Confidence{"untrusted_transaction", "Untrusted transaction", 40}
	ConfidenceWebCrawl             = Confidence{"web_crawl", "Web crawls", 20}
	ConfidenceHeuristic            = Confidence{"heuristic", "Any source", 10}
	ConfidenceUnknown              = Confidence{"unknown", "Unknown", 5}
)

// Confidences returns the known confidence levels, highest first. The
// slice is the caller's.
func Confidences() []Confidence {
	return []Confidence{
		ConfidenceOverride, ConfidenceOwnership, ConfidenceManualTransaction,
		ConfidenceServiceAPI, ConfidenceAuthorityData, ConfidenceTrustedProvider,
		ConfidenceServiceData, ConfidenceForensic, ConfidenceUntrustedTransaction,
		ConfidenceWebCrawl, ConfidenceHeuristic, ConfidenceUnknown,
	}
}

// ConfidenceByID returns the confidence level called id, ignoring case.
func ConfidenceByID(id string) (Confidence, bool) {
	for _, c := range Confidences() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return Confidence{}, false
}

// String returns the level's ID.
func (c Confidence) String() string { return c.ID }
