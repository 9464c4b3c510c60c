"""What /proc says of a process, for the benchmark scripts (python3 standard library only)."""
import os


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat), in seconds; nan if unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")
