#!/usr/bin/python3
"""Validates the mock JumpCloud server's answers, and the request bodies it received, against JumpCloud's own
OpenAPI descriptions (api-v1.yaml, api-v2.yaml, directory-insights-v1.yaml), with Debian's python3-jsonschema
(Draft 2020-12, formats checked where the library knows them) and python3-yaml.

    mock_validate.py DESCRIPTIONS_DIR CASES.json

CASES.json: {"answers": [case...], "requests": [case...]}, each case
{"id", "api" ("v1"|"v2"|"insights"), "method", "path" (the operation's path template), "status",
 "content_type", "body" (text; "" for bytes that are not UTF-8), "length" (of the body in bytes)}; requests have
no status.

Prints one JSON report: {"answers": n, "bodies": n, "requests": n, "failures": [{"id", "what", "message"}]}.
"""
import json
import os
import sys

import jsonschema
import yaml

FILES = {"v1": "api-v1.yaml", "v2": "api-v2.yaml", "insights": "directory-insights-v1.yaml"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(directory):
    docs = {}
    for api, name in FILES.items():
        with open(os.path.join(directory, name), "rb") as f:
            docs[api] = yaml.load(f, Loader=Loader)
    return docs


def resolve(doc, node):
    """Follows a $ref of a response or request body object (not of a schema: the validator does those)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError("only local references: " + ref)
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return node


def media(content_type):
    return (content_type or "").split(";")[0].strip().lower()


class Validators:
    def __init__(self, docs):
        self.docs = docs
        self.resolvers = {api: jsonschema.RefResolver.from_schema(doc) for api, doc in docs.items()}
        self.format_checker = jsonschema.FormatChecker()

    def errors(self, api, schema, value):
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolvers[api],
                                                    format_checker=self.format_checker)
        out = []
        for e in validator.iter_errors(value):
            where = "/".join(str(p) for p in e.absolute_path)
            out.append(("at /%s: " % where if where else "") + e.message[:300])
            if len(out) >= 3:
                break
        return out

    def operation(self, case):
        doc = self.docs[case["api"]]
        item = doc.get("paths", {}).get(case["path"])
        if item is None:
            return None, None
        return doc, item.get(case["method"].lower())


def check_answer(v, case, report):
    doc, op = v.operation(case)
    fail = lambda what, message: report["failures"].append({"id": case["id"], "what": what, "message": message})
    if op is None:
        fail("operation", "%s %s is not in %s" % (case["method"], case["path"], FILES[case["api"]]))
        return
    report["answers"] += 1
    status = str(case["status"])
    responses = op.get("responses", {})
    response = responses.get(status)
    if response is None:
        fail("status", "%s is not declared (declared: %s)" % (status, ", ".join(sorted(responses))))
        return
    response = resolve(doc, response)
    content = response.get("content") or {}
    body = case.get("body") or ""
    if case.get("length", len(body)) == 0:
        return
    ctype = media(case.get("content_type"))
    if not content:
        fail("content", "a body (%s) where %s declares none" % (ctype or "no content type", status))
        return
    declared = {media(k): k for k in content}
    if ctype not in declared and "*/*" not in declared:
        fail("content_type", "%s is not declared (declared: %s)" % (ctype, ", ".join(sorted(declared))))
        return
    if "json" not in ctype:
        return
    schema = (content.get(declared.get(ctype, "*/*")) or {}).get("schema")
    try:
        value = json.loads(body)
    except ValueError as e:
        fail("json", "not JSON: %s" % e)
        return
    report["bodies"] += 1
    if schema is None:
        return
    errs = v.errors(case["api"], schema, value)
    if errs:
        fail("schema", "; ".join(errs))


def check_request(v, case, report):
    doc, op = v.operation(case)
    fail = lambda what, message: report["failures"].append({"id": case["id"], "what": "request " + what,
                                                            "message": message})
    if op is None:
        fail("operation", "%s %s is not in %s" % (case["method"], case["path"], FILES[case["api"]]))
        return
    body = resolve(doc, op.get("requestBody") or {})
    content = body.get("content") or {}
    ctype = media(case.get("content_type"))
    declared = {media(k): k for k in content}
    if ctype not in declared:
        fail("content_type", "%s is not declared (declared: %s)" % (ctype, ", ".join(sorted(declared))))
        return
    if "json" not in ctype:
        return
    try:
        value = json.loads(case.get("body") or "")
    except ValueError as e:
        fail("json", "not JSON: %s" % e)
        return
    report["requests"] += 1
    schema = (content.get(declared[ctype]) or {}).get("schema")
    if schema is None:
        return
    errs = v.errors(case["api"], schema, value)
    if errs:
        fail("schema", "; ".join(errs))


def main():
    directory, cases_path = sys.argv[1], sys.argv[2]
    with open(cases_path, "rb") as f:
        cases = json.load(f)
    v = Validators(load(directory))
    try:
        from importlib.metadata import version
        jsv = version("jsonschema")
    except Exception:  # noqa: BLE001 - only for the report
        jsv = "?"
    report = {"answers": 0, "bodies": 0, "requests": 0, "failures": [], "jsonschema": jsv}
    for case in cases.get("answers", []):
        check_answer(v, case, report)
    for case in cases.get("requests", []):
        check_request(v, case, report)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
