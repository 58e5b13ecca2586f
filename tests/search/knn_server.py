"""A k-NN cluster for tests: osmem-server behind a proxy that adds what its plugins would.

osmem-server stores ``knn_vector`` fields but has no ``knn`` query, no ``hybrid`` query,
no search pipelines and lists no plugins. ``KnnProxy`` forwards every request to it and
answers those itself, the way the k-NN and neural-search plugins do:

- ``_cat/plugins`` lists ``opensearch-knn`` and ``opensearch-neural-search``;
- ``_search/pipeline/<name>`` keeps pipelines (GET, PUT, DELETE);
- a ``knn`` query is exact: the documents its ``filter`` allows (asked of osmem-server),
  scored by Lucene's ``cosinesimil`` score ``(1 + cosine) / 2``, the best ``k``;
- a ``hybrid`` query needs a ``search_pipeline`` with a ``normalization-processor``: each
  sub-query's hits are min-max normalised and combined by the weighted arithmetic mean of
  the sub-queries that found the document (neural-search's ``ScoreCombiner``).

Every search it answers is kept in ``searches`` (path, parameters, body) for assertions.
The backend under test talks HTTP to it exactly as to a real cluster.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np

PLUGINS = ["opensearch-knn", "opensearch-neural-search"]


class KnnProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.pipelines: dict[str, dict] = {}
        self.searches: list[dict] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self):
                body = self._body()
                status, payload, content_type = proxy.handle(self.command, self.path, body)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- Requests -----------------------------------------------------------------------

    def forward(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes, str]:
        request = urllib.request.Request(
            self.upstream + path,
            data=body or None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return (
                    response.status,
                    response.read(),
                    response.headers.get("Content-Type", "application/json"),
                )
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), "application/json"

    def ask(self, index: str, body: dict) -> dict:
        status, payload, _ = self.forward("POST", f"/{index}/_search", json.dumps(body).encode())
        if status != 200:
            raise ValueError(payload.decode())
        return json.loads(payload)

    def handle(self, method: str, raw_path: str, body: bytes) -> tuple[int, bytes, str]:
        parts = urlsplit(raw_path)
        path, params = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if path.startswith("/_cat/plugins"):
            return self._json(
                200,
                [{"name": "osmem-node", "component": name, "version": "3.8.0"} for name in PLUGINS],
            )
        if path.startswith("/_search/pipeline"):
            return self._pipeline(method, path, body)
        if path.endswith("/_search") and body:
            request = json.loads(body)
            query = request.get("query") or {}
            if _has(query, "hybrid") or _has(query, "knn"):
                index = path[1 : -len("/_search")]
                self.searches.append({"path": path, "params": params, "body": request})
                try:
                    return self._json(200, self._search(index, request, params))
                except ValueError as exc:
                    return self._json(
                        400,
                        {
                            "error": {"type": "illegal_argument_exception", "reason": str(exc)},
                            "status": 400,
                        },
                    )
        return self.forward(method, raw_path, body)

    @staticmethod
    def _json(status: int, data) -> tuple[int, bytes, str]:
        return status, json.dumps(data).encode(), "application/json"

    def _pipeline(self, method: str, path: str, body: bytes):
        name = path[len("/_search/pipeline") :].strip("/")
        if method == "PUT" and name:
            self.pipelines[name] = json.loads(body)
            return self._json(200, {"acknowledged": True})
        if method == "DELETE" and name in self.pipelines:
            del self.pipelines[name]
            return self._json(200, {"acknowledged": True})
        if not name:
            return self._json(200, dict(self.pipelines))
        if name in self.pipelines:
            return self._json(200, {name: self.pipelines[name]})
        missing = {"type": "resource_not_found_exception", "reason": f"pipeline [{name}]"}
        return self._json(404, {"error": missing, "status": 404})

    # --- k-NN and hybrid ----------------------------------------------------------------

    def _knn(self, index: str, clause: dict) -> dict[str, tuple[float, dict]]:
        ((field, options),) = clause["knn"].items()
        allowed = self.ask(
            index,
            {"query": options.get("filter") or {"match_all": {}}, "size": 10_000},
        )
        query = np.asarray(options["vector"], dtype=np.float32)
        scored = {}
        for hit in allowed["hits"]["hits"]:
            vector = hit["_source"].get(field)
            if not vector:
                continue
            vector = np.asarray(vector, dtype=np.float32)
            cosine = float(vector @ query / (np.linalg.norm(vector) * np.linalg.norm(query)))
            scored[hit["_id"]] = ((1.0 + cosine) / 2.0, hit["_source"])
        best = sorted(scored.items(), key=lambda item: -item[1][0])[: int(options["k"])]
        return dict(best)

    def _side(self, index: str, query: dict, size: int) -> dict[str, tuple[float, dict]]:
        if "knn" in query:
            return self._knn(index, query)
        should = query.get("bool", {}).get("should", [])
        if should and all("knn" in clause for clause in should):
            found: dict[str, tuple[float, dict]] = {}
            for clause in should:
                for doc_id, (score, source) in self._knn(index, clause).items():
                    found[doc_id] = (found.get(doc_id, (0.0, source))[0] + score, source)
            return found
        response = self.ask(index, {"query": query, "size": size})
        return {
            h["_id"]: (float(h["_score"] or 0.0), h["_source"]) for h in response["hits"]["hits"]
        }

    def _search(self, index: str, request: dict, params: dict) -> dict:
        size = int(request.get("size", 10))
        query = request["query"]
        if "hybrid" in query:
            pipeline = self.pipelines.get(params.get("search_pipeline", ""))
            if pipeline is None:
                raise ValueError("a hybrid query needs a search pipeline")
            processor = pipeline["phase_results_processors"][0]["normalization-processor"]
            weights = processor["combination"]["parameters"]["weights"]
            sides = [self._side(index, q, size) for q in query["hybrid"]["queries"]]
            if len(weights) != len(sides):
                raise ValueError("as many weights as sub-queries")
            combined: dict[str, list] = {}
            for position, side in enumerate(sides):
                if not side:
                    continue
                low = min(s for s, _ in side.values())
                high = max(s for s, _ in side.values())
                for doc_id, (score, source) in side.items():
                    normalised = 1.0 if high == low else (score - low) / (high - low)
                    entry = combined.setdefault(doc_id, [[-1.0] * len(sides), source])
                    entry[0][position] = normalised
            results = {}
            for doc_id, (scores, source) in combined.items():
                present = [(s, w) for s, w in zip(scores, weights, strict=True) if s >= 0]
                total = sum(w for _, w in present)
                results[doc_id] = (sum(s * w for s, w in present) / total if total else 0, source)
        else:
            results = self._side(index, query, size)
        excludes = set((request.get("_source") or {}).get("excludes", []))
        ranked = sorted(results.items(), key=lambda item: (-item[1][0], item[0]))[:size]
        hits = [
            {
                "_index": index,
                "_id": doc_id,
                "_score": score,
                "_source": {k: v for k, v in source.items() if k not in excludes},
            }
            for doc_id, (score, source) in ranked
        ]
        return {
            "took": 1,
            "timed_out": False,
            "hits": {"total": {"value": len(results), "relation": "eq"}, "hits": hits},
        }


def _has(query, key: str) -> bool:
    if isinstance(query, dict):
        return key in query or any(_has(v, key) for v in query.values())
    if isinstance(query, list):
        return any(_has(v, key) for v in query)
    return False
