#!/usr/bin/python3
"""Copies the tables of one `make bench` session (RESULTS_DIR/report.md) into
docs/PERFORMANCE.md, replacing the previous ones.
Usage: fill_performance.py RESULTS_DIR [SECTION ...]   (e.g. MLP FMNIST; default: all)"""
import os
import re
import sys

SECTIONS = {  # report.md heading prefix -> marker block in PERFORMANCE.md
    "### Sampler kernels": "KERNELS",
    "### MLP at batch 100": "MLP",
    "### Messaging": "MESSAGING",
    "### Whole runs": "RUNS",
    "### Fashion-MNIST": "FMNIST",
}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    report = open(os.path.join(sys.argv[1], "report.md")).read()
    machine = report.splitlines()[0]
    parts = re.split(r"(?m)^(?=### )", report)
    doc_path = os.path.join(root, "docs", "PERFORMANCE.md")
    doc = open(doc_path).read()
    only = set(sys.argv[2:]) or set(SECTIONS.values())
    for part in parts:
        for prefix, name in SECTIONS.items():
            if part.startswith(prefix) and name in only:
                body = part.split("\n", 1)[1].strip()
                block = f"<!-- {name} -->\n{machine}\n\n{body}\n<!-- /{name} -->"
                pattern = re.compile(rf"(?s)<!-- {name} -->.*?<!-- /{name} -->|RESULTS_{name}")
                doc = pattern.sub(lambda _: block, doc, count=1)
    open(doc_path, "w").write(doc)


if __name__ == "__main__":
    main()
