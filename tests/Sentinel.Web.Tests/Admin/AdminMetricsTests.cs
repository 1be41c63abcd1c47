using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sentinel.Web.Infrastructure.Hosting;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary>
/// <c>GET /admin/metrics</c>: Sentinel's own meters, counted by this replica's reporter and summed in the metrics grain,
/// plus the cluster sampled by the grain (activations by short grain type).
/// </summary>
[Collection(SignInCollection.Name)]
public sealed class AdminMetricsTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    private static double Sum(JsonElement body, string name, string label) =>
        body.GetProperty("series").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() == name && s.GetProperty("label").GetString() == label)
            .SelectMany(s => s.GetProperty("values").EnumerateArray()).Where(v => v.ValueKind == JsonValueKind.Number).Sum(v => v.GetDouble());

    private async Task<JsonElement> MetricsAsync(AdminScenario.Admin admin)
    {
        using var response = await a.GetAsync("/admin/metrics", admin);
        return (await AdminScenario.OkJsonAsync(response)).Clone();
    }

    [Fact]
    public async Task counted_sign_ins_and_429s_reach_the_hour_series_and_grain_types_are_short()
    {
        var admin = await a.AdminAsync();
        var before = await MetricsAsync(admin);
        Assert.Equal(10, before.GetProperty("bucket_seconds").GetInt32());
        Assert.Equal(360, before.GetProperty("buckets").GetInt32());
        var signIns = Sum(before, "sign_ins", "success");
        var limited = Sum(before, "rate_limited", "auth");

        var meters = web.App.Services.GetRequiredService<SentinelMetrics>();
        for (var i = 0; i < 3; i++) meters.SignIn("dex", "proxy", "success");
        meters.Limited("auth");

        // The reporter sends every 5 s; other tests of the collection may add more, never less.
        JsonElement after;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(500);
            after = await MetricsAsync(admin);
        }
        // The cluster sample (activations by type) is taken by the grain every 10 s, on its own timer: wait for it too.
        while ((Sum(after, "sign_ins", "success") < signIns + 3 || Sum(after, "rate_limited", "auth") < limited + 1 || GrainTypes(after).Count == 0)
               && DateTime.UtcNow < deadline);
        Assert.True(Sum(after, "sign_ins", "success") >= signIns + 3, after.ToString());
        Assert.True(Sum(after, "rate_limited", "auth") >= limited + 1, after.ToString());

        var types = GrainTypes(after);
        Assert.Contains("AdminMetricsGrain", types);
        Assert.All(types, t => Assert.DoesNotContain('.', t));
        Assert.All(types, t => Assert.DoesNotContain(',', t));
    }

    private static List<string> GrainTypes(JsonElement metrics) =>
        metrics.GetProperty("series").EnumerateArray().Where(s => s.GetProperty("name").GetString() == "grains").Select(s => s.GetProperty("label").GetString()!).ToList();
}
