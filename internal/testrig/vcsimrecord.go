package testrig

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// RequestLog holds the bodies of the requests a VCSim received on one endpoint, in order.
type RequestLog struct {
	mu     sync.Mutex
	bodies [][]byte
}

// Bodies returns a copy of the bodies recorded so far.
func (l *RequestLog) Bodies() [][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([][]byte(nil), l.bodies...)
}

// RecordRequests records the body of every request for method and path (a vAPI endpoint
// such as "POST", "/rest/com/vmware/vcenter/ovf/library-item") before the simulator serves
// it as before. It is for what vcsim accepts but does not model (the flags of an OVF
// library item, which vcsim creates without reading its source VM), so a test can still
// check what a client asked for. Call it before the requests are made.
func (s *VCSim) RecordRequests(method, path string) *RequestLog {
	mux := s.Model.Service.ServeMux
	next, _ := mux.Handler(&http.Request{Method: method, URL: &url.URL{Path: path}, Host: s.Host()})
	log := new(RequestLog)
	mux.HandleFunc(method+" "+path, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		log.mu.Lock()
		log.bodies = append(log.bodies, body)
		log.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
	return log
}
