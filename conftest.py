"""Report how long each notebook took, at the end of every pytest run."""


def pytest_terminal_summary(terminalreporter):
    rows = [
        (report.duration, outcome, report.nodeid)
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call" and report.nodeid.endswith(".ipynb")
    ]
    if rows:
        terminalreporter.section("notebook timings")
        for duration, outcome, nodeid in sorted(rows, key=lambda row: row[2]):
            terminalreporter.write_line(f"{duration:8.1f} s  {outcome:7s} {nodeid}")
