using System.Text.Json;
using Sentinel.Web.Tests.SignIn;
using Xunit;

namespace Sentinel.Web.Tests.Admin;

/// <summary><c>GET /admin/cluster</c> against the in-process test cluster.</summary>
[Collection(SignInCollection.Name)]
public sealed class AdminClusterTests(SignInWeb web)
{
    private readonly AdminScenario a = new(web.App);

    [Fact]
    public async Task cluster_view_lists_the_silo_activations_by_grain_type_and_calls_per_second()
    {
        var admin = await a.AdminAsync();
        JsonElement body = default;
        // Call rates need two reports of the silo, 2 s apart.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var response = await a.GetAsync("/admin/cluster", admin);
            body = await AdminScenario.OkJsonAsync(response);
            if (body.GetProperty("calls_per_second").ValueKind == JsonValueKind.Number && body.GetProperty("silos")[0].GetProperty("calls_per_second").ValueKind == JsonValueKind.Number) break;
            await Task.Delay(500);
        }
        AdminScenario.AssertFields(body, "silos", "grains", "total_activations", "calls_per_second", "calls_per_second_source", "sampled_at");
        var silo = body.GetProperty("silos").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "active");
        AdminScenario.AssertFields(silo, "address", "name", "host", "status", "started_at", "activation_count", "cpu_usage", "memory_usage_bytes", "client_count", "calls_per_second");
        Assert.False(string.IsNullOrEmpty(silo.GetProperty("address").GetString()));
        Assert.True(silo.GetProperty("started_at").GetDateTimeOffset() < DateTimeOffset.UtcNow);
        Assert.True(silo.GetProperty("activation_count").GetInt32() > 0);
        // The admin's own requests are grain calls (cookie check, user reads), so the rate is above zero.
        Assert.True(silo.GetProperty("calls_per_second").GetDouble() > 0, body.ToString());

        var grains = body.GetProperty("grains").EnumerateArray().ToArray();
        AdminScenario.AssertFields(grains[0], "type", "activations");
        Assert.Contains(grains, g => g.GetProperty("type").GetString()!.Contains("UserSession", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(grains.Sum(g => g.GetProperty("activations").GetInt32()), body.GetProperty("total_activations").GetInt32());
    }
}
