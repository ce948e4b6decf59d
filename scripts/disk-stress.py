#!/usr/bin/env python3
"""Another tenant on the disk: writes CHUNK_MIB of data and fsyncs it, then
sleeps PAUSE seconds, again and again until killed, in DIR. It gives the
disk the bad minutes that come and go on a shared machine (commits that
wait behind someone else's flush), on demand, so that latency runs can be
compared under them (scripts/bench-latency.sh --disk-stress).

    scripts/disk-stress.py DIR [CHUNK_MIB=32] [PAUSE=0.5]
"""
import os
import signal
import sys
import time

# Stopped with a plain kill: leave through the cleanup below.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

directory = sys.argv[1]
chunk_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 32
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
os.makedirs(directory, exist_ok=True)
path = os.path.join(directory, "disk-stress")
block = os.urandom(1 << 20)
try:
    while True:
        with open(path, "wb") as f:
            for _ in range(chunk_mib):
                f.write(block)
            f.flush()
            os.fsync(f.fileno())
        time.sleep(pause)
finally:
    try:
        os.remove(path)
    except OSError:
        pass
