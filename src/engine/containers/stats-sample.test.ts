import { expect, test } from "bun:test";
import { hostCpu, netDevCounters } from "./stats-sample.ts";

test("/proc/stat: seven fields of the cpu line in ns (steal and guest left out, as dockerd sums), the CPUs listed", () => {
  const text = "cpu  100 1 50 800 10 0 5 7 0 0\ncpu0 50 0 25 400 5 0 3 4 0 0\ncpu1 50 1 25 400 5 0 2 3 0 0\nintr 1\n";
  expect(hostCpu(text)).toEqual({ systemCpuUsage: 966 * 1e7, onlineCpus: 2 });
});

test("/proc/PID/net/dev: each interface but lo; none when only lo is there", () => {
  const head = "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";
  const lo = "    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0\n";
  expect(netDevCounters(head + lo)).toBeUndefined();
  const eth = "  eth0:    2000      20    1    2    0     0          0         0     3000      30    3    4    0     0       0          0\n";
  expect(netDevCounters(head + lo + eth)).toEqual({ eth0: { rx_bytes: 2000, rx_packets: 20, rx_errors: 1, rx_dropped: 2, tx_bytes: 3000, tx_packets: 30, tx_errors: 3, tx_dropped: 4 } });
});
