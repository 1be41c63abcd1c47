using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sentinel.Bench.RateLimit;

/// <summary>Results of one measured run.</summary>
/// <param name="TotalRequests">Every response received, warm-up included: the divisor of process CPU measured around the run.</param>
public sealed record LoadResult(double RequestsPerSecond, double P50Ms, double P99Ms, double OtherP99Ms, IReadOnlyDictionary<int, long> Statuses, long TotalRequests);

/// <summary>
/// A small closed-loop HTTP/1.1 keep-alive driver on raw sockets (loopback only): cheap per request, so the two cores go to
/// the server under test. Each connection sends GETs with an <c>X-Forwarded-For</c> of a random client among many, or of one
/// hot client on the connections that flood.
/// </summary>
public static class LoadDriver
{
    public static async Task<LoadResult> RunAsync(IPEndPoint target, string path, string headers, int connections, int hotConnections, int distinctClients,
        TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var workers = new List<Task<Worker>>();
        var start = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < connections; i++)
        {
            var worker = new Worker(i < hotConnections, i);
            workers.Add(worker.RunAsync(target, path, headers, distinctClients, start, end, cancellationToken));
        }
        var done = await Task.WhenAll(workers);
        var all = done.SelectMany(w => w.Latencies).Order().ToArray();
        var others = done.Where(w => !w.Hot).SelectMany(w => w.Latencies).Order().ToArray();
        var statuses = done.SelectMany(w => w.Statuses).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));
        return new LoadResult(all.Length / duration.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), Percentile(others, 0.99), statuses, Math.Max(1, done.Sum(w => w.Responses)));
    }

    private static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))] * 1000.0 / Stopwatch.Frequency;

    private sealed class Worker(bool hot, int index)
    {
        public bool Hot { get; } = hot;
        public List<long> Latencies { get; } = new(100_000);
        public Dictionary<int, long> Statuses { get; } = [];
        public long Responses { get; private set; }

        private readonly byte[] buffer = new byte[16 * 1024];
        private int filled;
        private int offset;

        public async Task<Worker> RunAsync(IPEndPoint target, string path, string headers, int distinctClients, long start, long end, CancellationToken ct)
        {
            using var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(target, ct);
            var random = new Random(index * 7919 + 1);
            var request = new byte[4096];
            while (!ct.IsCancellationRequested)
            {
                var now = Stopwatch.GetTimestamp();
                if (now >= end) break;
                var client = Hot ? "203.0.113.250" : ClientAddress(random.Next(distinctClients));
                var length = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 192.0.2.1, {client}\r\n{headers}\r\n", request);
                var sent = Stopwatch.GetTimestamp();
                await socket.SendAsync(request.AsMemory(0, length), ct);
                var status = await ReadResponseAsync(socket, ct);
                var took = Stopwatch.GetTimestamp() - sent;
                Responses++;
                if (sent < start) continue;
                Latencies.Add(took);
                Statuses[status] = Statuses.GetValueOrDefault(status) + 1;
            }
            return this;
        }

        /// <summary>Client n as an address in 10.0.0.0/8 (never contacted: only a header value).</summary>
        private static string ClientAddress(int n) => $"10.{(n >> 16) & 0xff}.{(n >> 8) & 0xff}.{n & 0xff}";

        private async Task<int> ReadResponseAsync(Socket socket, CancellationToken ct)
        {
            var headerEnd = await FillUntilAsync(socket, "\r\n\r\n"u8.ToArray(), ct);
            var head = Encoding.ASCII.GetString(buffer, offset, headerEnd - offset);
            offset = headerEnd + 4;
            var status = int.Parse(head.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture);
            long contentLength = 0;
            var chunked = false;
            foreach (var line in head.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) contentLength = long.Parse(line.AsSpan(15).Trim(), provider: System.Globalization.CultureInfo.InvariantCulture);
                else if (line.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && line.Contains("chunked", StringComparison.OrdinalIgnoreCase)) chunked = true;
            }
            if (!chunked)
            {
                await SkipAsync(socket, contentLength, ct);
                return status;
            }
            while (true)
            {
                var lineEnd = await FillUntilAsync(socket, "\r\n"u8.ToArray(), ct);
                var size = Convert.ToInt64(Encoding.ASCII.GetString(buffer, offset, lineEnd - offset).Split(';')[0].Trim(), 16);
                offset = lineEnd + 2;
                await SkipAsync(socket, size + 2, ct);
                if (size == 0) return status;
            }
        }

        private async Task<int> FillUntilAsync(Socket socket, byte[] marker, CancellationToken ct)
        {
            while (true)
            {
                var found = buffer.AsSpan(offset, filled - offset).IndexOf(marker);
                if (found >= 0) return offset + found;
                await ReceiveMoreAsync(socket, ct);
            }
        }

        private async Task SkipAsync(Socket socket, long count, CancellationToken ct)
        {
            while (count > 0)
            {
                if (offset == filled) await ReceiveMoreAsync(socket, ct);
                var take = (int)Math.Min(count, filled - offset);
                offset += take;
                count -= take;
            }
        }

        private async Task ReceiveMoreAsync(Socket socket, CancellationToken ct)
        {
            if (offset > 0)
            {
                Buffer.BlockCopy(buffer, offset, buffer, 0, filled - offset);
                filled -= offset;
                offset = 0;
            }
            if (filled == buffer.Length) throw new InvalidOperationException("response header too large");
            var read = await socket.ReceiveAsync(buffer.AsMemory(filled), ct);
            if (read == 0) throw new IOException("connection closed by the server");
            filled += read;
        }
    }
}
