"""A small OpenAI-compatible chat server for tests: it answers from a script, on 127.0.0.1,
and records every request, so the real langchain-openai / langchain-deepseek clients and the
real HTTP path are exercised without a network."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str = ""
    reasoning: str | None = None  # sent as DeepSeek's `reasoning_content`
    status: int = 200
    delay: float = 0.0


Script = Callable[[dict[str, Any], int], Reply]  # (request body, request number) -> reply


@dataclass
class ScriptedServer:
    script: Script
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    # HTTP/1.1 keep-alive for replies with a length, as real model servers do (streams close).
    keep_alive: bool = False
    # The judge's key-fact and fact-check requests get default_reply's answers (every sentence
    # supported), kept apart in `fact_requests`, unless the script is to answer them itself.
    script_fact_checks: bool = False
    fact_requests: list[dict[str, Any]] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None

    def start(self) -> ScriptedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                default = None if server.script_fact_checks else default_reply(body)
                with lock:
                    (server.fact_requests if default else server.requests).append(body)
                    number = len(server.requests)
                reply = default or server.script(body, number)
                time.sleep(reply.delay)
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": f"scripted {reply.status}", "type": "scripted"}})
                elif body.get("stream"):
                    self._stream(body, reply)
                else:
                    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                    if reply.reasoning is not None:
                        message["reasoning_content"] = reply.reasoning
                    self._send(200, {
                        "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 0,
                        "model": body.get("model", "scripted"),
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                        "usage": _usage(body, reply),
                    })  # fmt: skip

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")  # no length: the end of the body is the close
                self.close_connection = True
                self.end_headers()
                base = {
                    "id": "chatcmpl-s",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": body.get("model", "scripted"),
                }
                pieces = [reply.content[i : i + 40] for i in range(0, len(reply.content), 40)] or [""]
                for n, piece in enumerate(pieces):
                    delta = {"role": "assistant", "content": piece} if n == 0 else {"content": piece}  # as OpenAI does
                    chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                final = {
                    **base,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                    "usage": _usage(body, reply),
                }
                self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())

        lock = threading.Lock()
        self._httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def roles(self) -> list[str]:
        """'writer' or 'reviewer' for each request, from its last message."""
        return [role_of(r) for r in self.requests]


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYN of a 7th client connecting at once, which
    # then waits a second to retry: a real model server accepts a batch's calls together.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client killed mid-reply (the crash tests do that) is expected, not news


def request_of(content: str) -> str:
    """The request part of a user message: what follows the paper."""
    return content.rsplit("</paper>\n\n", 1)[-1]


def role_of(body: dict[str, Any]) -> str:
    """Who is asking, from the request in the first user message (a judge's retry adds more):
    'writer', 'reviewer' (the criteria), 'reader' (the key facts) or 'fact-checker'."""
    first = next(m for m in body["messages"] if m["role"] == "user")
    return role_of_request(str(first["content"]))


def role_of_request(content: str) -> str:
    request = request_of(content)
    for role in ("reviewer", "reader", "fact-checker"):
        if request.startswith(f"Role: {role}."):
            return role
    return "writer"


KEY_FACTS = [
    {"kind": "contribution", "fact": "The paper proposes code gates before an LLM judge.", "evidence": "gates"},
    {"kind": "result", "fact": "The gates catch defects the judge misses.", "evidence": "judge"},
    {"kind": "limitation", "fact": "The study uses one small benchmark.", "evidence": "benchmark"},
]


def key_facts_json(facts: list[dict[str, str]] | None = None) -> str:
    """A reader's reply: the paper's key facts."""
    return json.dumps({"facts": facts or KEY_FACTS})


def fact_check_json(content: str, verdicts: dict[int, str] | None = None, conveyed: list[int] | None = None) -> str:
    """A fact-checker's reply to the request in `content`: each sentence it lists is supported
    (or as `verdicts` says), and every key fact it lists is conveyed (or those in `conveyed`)."""
    request = request_of(content)
    sentences = [int(n) for n in re.findall(r"^Sentence (\d+):", request, re.MULTILINE)]
    facts = [int(n) for n in re.findall(r"^Fact (\d+) \(", request, re.MULTILINE)]
    answers = [
        {"sentence": n, "reason": "scripted", "verdict": (verdicts or {}).get(n, "supported")} for n in sentences
    ]
    return json.dumps({"claims": answers, "facts_conveyed": facts if conveyed is None else conveyed})


def default_reply(body: dict[str, Any]) -> Reply | None:
    """What a scripted reader and fact-checker answer unless a test scripts them: the default
    key facts, and every sentence supported with every fact conveyed."""
    first = next(m for m in body["messages"] if m["role"] == "user")
    role = role_of_request(str(first["content"]))
    if role == "reader":
        return Reply(content=key_facts_json())
    if role == "fact-checker":
        return Reply(content=fact_check_json(str(first["content"])))
    return None


def _usage(body: dict[str, Any], reply: Reply) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", ""))) for m in body["messages"]) // 4
    completion = len(reply.content) // 4
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def writer_and_judge(summaries: list[Reply | str], verdicts: list[Reply | str]) -> Script:
    """A script that hands out the next writer reply or the next judge reply by request role;
    the last one repeats when a list runs out."""
    counters = {"writer": 0, "reviewer": 0}
    lists = {"writer": summaries, "reviewer": verdicts}
    lock = threading.Lock()

    def script(body: dict[str, Any], number: int) -> Reply:
        role = role_of(body)
        if role not in lists:
            return default_reply(body) or Reply(content="")
        with lock:
            i = counters[role]
            counters[role] += 1
        replies = lists[role]
        reply = replies[min(i, len(replies) - 1)]
        return reply if isinstance(reply, Reply) else Reply(content=reply)

    return script


def verdict_json(
    evaluation: str, feedback: str = "", n_criteria: int = 5, passed: bool | list[bool] | None = None
) -> str:
    """A judge's reply. The judge gives evidence per criterion; code derives the evaluation, so
    `evaluation` only decides what the criteria say (all pass for PASS, all fail otherwise,
    unless `passed` says; a shorter list passes the rest), and FAIL means "not a summary of this
    paper"."""
    ok = evaluation == "PASS" if passed is None else passed
    each = [*ok, *[True] * (n_criteria - len(ok))] if isinstance(ok, list) else [ok] * n_criteria
    return json.dumps({
        "criteria": [{"criterion": i, "reason": "scripted", "passed": p} for i, p in enumerate(each, 1)],
        "about_this_paper": evaluation != "FAIL", "feedback": feedback,
    })  # fmt: skip
