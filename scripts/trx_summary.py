#!/usr/bin/env python3
"""Sums the TRX files of a test run and prints the closing line 'N passed, N failed' (dotnet test prints none)."""
import glob
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def main(folder: str) -> int:
    passed = failed = skipped = 0
    failures = []
    files = sorted(glob.glob(os.path.join(folder, "**", "*.trx"), recursive=True))
    for path in files:
        root = ET.parse(path).getroot()
        counters = root.find("t:ResultSummary/t:Counters", NS)
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
        skipped += int(counters.get("notExecuted", 0))
        for result in root.iterfind(".//t:UnitTestResult", NS):
            if result.get("outcome") not in ("Passed", "NotExecuted"):
                failures.append(result.get("testName"))
    for name in failures:
        print(f"FAILED: {name}")
    if not files:
        print("no test results found")
        failed += 1
    suffix = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{suffix}")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".test-results"))
