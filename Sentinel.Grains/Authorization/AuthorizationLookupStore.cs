using Npgsql;
using Sentinel.Grains.Cors;
using Sentinel.Grains.Data;
using Sentinel.Grains.ServiceApps;

namespace Sentinel.Grains.Authorization;

/// <summary>
/// The authorization edge's lookups by primary or unique key (<c>resource_permissions</c>), and the service and client
/// apps' origins (<c>service_apps</c>, <c>client_apps</c>), for <see cref="AuthorizationLookupGrain"/>. Reads only.
/// </summary>
internal sealed class AuthorizationLookupStore(NpgsqlDataSource database)
{
    /// <summary>The workspace and service of the ACL with this id, or null.</summary>
    public async Task<ResourceLocation?> FindPermissionAsync(Guid permissionId, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand("SELECT id, workspace_id, service_name FROM resource_permissions WHERE id = @id");
        cmd.Parameters.AddWithValue("id", permissionId);
        return await cmd.ReadFirstAsync(ReadLocation, cancellationToken);
    }

    /// <summary>The ACL of a resource, found by (service, type, resource id), or null.</summary>
    public async Task<ResourceLocation?> FindResourceAsync(ResourceRef resource, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, workspace_id, service_name FROM resource_permissions WHERE service_name = @service AND resource_type = @type AND resource_id = @resource");
        cmd.Parameters.AddWithValue("service", resource.ServiceName);
        cmd.Parameters.AddWithValue("type", resource.ResourceType);
        cmd.Parameters.AddWithValue("resource", resource.ResourceId);
        return await cmd.ReadFirstAsync(ReadLocation, cancellationToken);
    }

    /// <summary>The oldest active service app (by creation, then id) listing <paramref name="origin"/> exactly, or null.</summary>
    public async Task<ServiceKeyIdentity?> FindServiceByOriginAsync(string origin, CancellationToken cancellationToken)
    {
        await using var cmd = database.CreateCommand(
            "SELECT id, service_name, allowed_origins, allowed_idp_audiences FROM service_apps " +
            "WHERE is_active AND @origin = ANY(allowed_origins) ORDER BY created_at, id LIMIT 1");
        cmd.Parameters.AddWithValue("origin", origin);
        return await cmd.ReadFirstAsync(
            r => new ServiceKeyIdentity(r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetFieldValue<string[]>(3)), cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="origin"/> (lower-case scheme://host[:port]) is an allowed origin of an active service app
    /// (compared case-insensitively), or the origin of a redirect URI of an active client app.
    /// </summary>
    public async Task<bool> IsAllowedRedirectOriginAsync(string origin, CancellationToken cancellationToken)
    {
        await using (var cmd = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM service_apps, unnest(allowed_origins) AS o WHERE is_active AND lower(o) = @origin)"))
        {
            cmd.Parameters.AddWithValue("origin", origin);
            if (await cmd.ExecuteScalarAsync(cancellationToken) is true) return true;
        }
        // Client apps list full redirect URIs; their origins are compared here rather than with LIKE, whose wildcards
        // an origin could carry.
        await using (var cmd = database.CreateCommand("SELECT unnest(redirect_uris) FROM client_apps WHERE is_active"))
        {
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (OriginOf(reader.GetString(0)) == origin) return true;
            }
        }
        return false;
    }

    /// <summary>scheme://host[:port] of an absolute http(s) URL, lower-cased as browsers send it; null otherwise.</summary>
    private static string? OriginOf(string url) => CorsOriginSet.OriginOf(url)?.ToLowerInvariant();

    private static ResourceLocation ReadLocation(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetGuid(1), r.GetString(2));
}
