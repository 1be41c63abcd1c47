using Npgsql;
using Sentinel.Grains.Sessions;
using Sentinel.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Sentinel.Integration.Tests.Storage;

public sealed class SiloRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task session_state_written_through_ado_net_survives_silo_process_restart()
    {
        await using var cluster = new ClusterHarness("restart");
        var endpoints = new ClusterHarness.SiloEndpoints(TestEnvironment.FreePort(), TestEnvironment.FreePort());
        var silo = cluster.StartSilo("silo-1", endpoints);
        var userId = Guid.NewGuid();
        var jti = Guid.NewGuid();

        await using (var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60)))
        {
            var grain = client.Client.GetGrain<IUserSessionGrain>(userId);
            await grain.DenyTokenAsync(jti, DateTimeOffset.UtcNow.AddMinutes(15));
            await grain.SetDeactivatedAsync(true);
        }

        // The row is in the real PostgreSQL, as JSON keyed by property name.
        await using (var db = NpgsqlDataSource.Create(TestConnection.ConnectionString()))
        {
            await using var cmd = db.CreateCommand("SELECT convert_from(payload_binary, 'UTF8') FROM orleans_storage WHERE service_id = 'sentinel-test' AND grain_type_string = 'session' AND convert_from(payload_binary, 'UTF8') LIKE @jti");
            cmd.Parameters.AddWithValue("jti", "%" + jti + "%");
            var payload = (string?)await cmd.ExecuteScalarAsync();
            Assert.NotNull(payload);
            Assert.Contains("\"Deactivated\":true", payload, StringComparison.Ordinal);
        }

        silo.Kill();
        cluster.StartSilo("silo-2", endpoints);

        await using (var client = await OrleansTestClient.ConnectAsync(cluster.ClusterId, TimeSpan.FromSeconds(60)))
        {
            var grain = client.Client.GetGrain<IUserSessionGrain>(userId);
            var snapshot = await RetryAsync(() => grain.GetRevocationAsync());
            Assert.True(snapshot.Deactivated);
            Assert.Equal(1, snapshot.DeniedTokens);
            Assert.Equal(TokenStatus.Deactivated, await grain.CheckTokenAsync(jti, DateTimeOffset.UtcNow));
            await grain.SetDeactivatedAsync(false);
            Assert.Equal(TokenStatus.Revoked, await grain.CheckTokenAsync(jti, DateTimeOffset.UtcNow));
        }
        output.WriteLine("state read back after SIGKILL and restart of the silo process");
    }

    // The restarted silo may still see its dead predecessor in membership for a moment.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try { return await call(); }
            catch (Exception) when (attempt < 20) { await Task.Delay(500); }
        }
    }
}
