package esplora

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plumetrace/plume/chain"
)

// Options configure New. URL is the one field without a default: plume
// contacts no server the caller has not named. Every other zero value
// works.
type Options struct {
	// URL is the base of the API, e.g. "https://blockstream.info/api" or
	// "http://127.0.0.1:3000" for a self-hosted electrs. Credentials in the
	// URL are sent as HTTP basic authentication; errors show only the
	// path of the request that failed, never the URL.
	URL string
	// Params is the network the server must serve; the client compares
	// the server's genesis block before its first request. nil means
	// chain.Mainnet.
	Params *chain.Params
	// Timeout bounds one attempt of one request. 0 means 30 s.
	Timeout time.Duration
	// Retries is how many times a request is repeated after an answer
	// that may change: 429 (rate limited), 5xx, no answer, a broken
	// connection. Never after another 4xx. 0 means 4; negative means none.
	Retries int
	// Backoff is the wait before the first retry; it doubles for each
	// further one, up to 30 s. A Retry-After header that asks for longer
	// is honoured, up to 5 minutes. 0 means 500 ms.
	Backoff time.Duration
	// RateLimit is how many requests per second the client sends at most,
	// in total over all goroutines (a token bucket holding up to one
	// second's worth). 0 means 10; negative means no limit.
	RateLimit float64
	// PubKeys are public keys (33 or 65 bytes) whose pay-to-pubkey outputs
	// History includes in the history of their P2PKH address. Esplora
	// indexes those outputs under their own script, which the address does
	// not determine; see the package documentation.
	PubKeys [][]byte
	// BlockCache is how many txids of blocks' txid lists the client keeps
	// in memory to place transactions in their blocks (32 bytes each).
	// 0 means 1<<20, 32 MiB.
	BlockCache int
	// HTTPClient, if set, sends the requests (a proxy, custom TLS roots).
	// Its own Timeout, if any, applies on top of Timeout.
	HTTPClient *http.Client
}

// Bounds of the retry waits.
const (
	maxBackoff    = 30 * time.Second
	maxRetryAfter = 5 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.Params == nil {
		o.Params = chain.Mainnet
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Retries == 0 {
		o.Retries = 4
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.RateLimit == 0 {
		o.RateLimit = 10
	}
	if o.BlockCache <= 0 {
		o.BlockCache = 1 << 20
	}
	return o
}

// endpoint splits Options.URL into the base that paths are appended to
// and the credentials it carried.
func endpoint(raw string) (base, user, pass string, err error) {
	if raw == "" {
		return "", "", "", errors.New("esplora: Options.URL is empty: name the Esplora server to ask (it learns every address and transaction traced)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes its input, which may hold a password.
		return "", "", "", errors.New("esplora: Options.URL is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", "", "", fmt.Errorf("esplora: Options.URL must be http(s)://host[/path], not %s://%s", u.Scheme, u.Host)
	}
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
		u.User = nil
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", "", errors.New("esplora: Options.URL must not have a query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), user, pass, nil
}
