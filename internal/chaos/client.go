package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// request is one write: sent again with the same key and body until its
// outcome is known.
type request struct {
	user   string
	path   string
	key    string
	body   []byte
	kind   opKind
	target int64 // the voucher a step acts on
	amount int64 // fen, of a voucher made
	org    string
}

// answer is what the server said; status 0 means no answer (connection
// refused or cut, timeout): the outcome is unknown.
type answer struct {
	status int
	code   string
	id     int64
	state  string
	body   []byte
}

// errorBody is the API's error answer.
type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// voucherBody is the part of a voucher answer the run reads.
type voucherBody struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Total  string `json:"total"`
}

// client talks to the current serve process; the base moves on restart.
type client struct {
	http   *http.Client
	mu     sync.RWMutex
	base   string
	tokens map[string]string
	ops    *atomic.Int64
}

func newClient(tokens map[string]string, ops *atomic.Int64) *client {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	return &client{http: &http.Client{Timeout: 20 * time.Second, Transport: tr}, tokens: tokens, ops: ops}
}

func (c *client) setBase(b string) {
	c.mu.Lock()
	c.base = b
	c.mu.Unlock()
	c.http.CloseIdleConnections()
}

func (c *client) baseURL() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.base
}

// do sends one request and reads the answer.
func (c *client) do(ctx context.Context, method, path, user, key string, body []byte) answer {
	c.ops.Add(1)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL()+path, rd)
	if err != nil {
		return answer{}
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+c.tokens[user])
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{} // cut mid-answer: unknown
	}
	a := answer{status: resp.StatusCode, body: b}
	if resp.StatusCode >= 400 {
		var e errorBody
		json.Unmarshal(b, &e)
		a.code = e.Code
		return a
	}
	var v voucherBody
	if json.Unmarshal(b, &v) == nil {
		a.id, a.state = v.ID, v.Status
	}
	return a
}

func (c *client) send(ctx context.Context, r *request) answer {
	return c.do(ctx, http.MethodPost, r.path, r.user, r.key, r.body)
}

func (c *client) get(ctx context.Context, path, user string) answer {
	return c.do(ctx, http.MethodGet, path, user, "", nil)
}
