using Npgsql;
using NpgsqlTypes;
using Sentinel.Grains.Data;

namespace Sentinel.Grains.Directory;

/// <summary>
/// Users and their social accounts as a sign-in finds, links or creates them. The rules run in one transaction, and the
/// unique constraints on (provider, subject) and lower(email) settle two first sign-ins of the same person racing each
/// other (the loser retries and finds the row).
/// </summary>
internal sealed class IdentityStore(NpgsqlDataSource database)
{
    /// <summary>The user a verified external identity resolves to, created or linked as the policy allows; or a refusal.</summary>
    public async Task<IdentityResolution> ResolveAsync(ExternalIdentity identity, UnknownIdentityPolicy policy, bool grantAdmin, string? activity, string? ip, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ResolveOnceAsync(identity, policy, grantAdmin, activity, ip, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 2)
            {
                // A concurrent first sign-in created the user or link first; the next pass finds it.
            }
        }
    }

    private async Task<IdentityResolution> ResolveOnceAsync(ExternalIdentity identity, UnknownIdentityPolicy policy, bool grantAdmin, string? activity, string? ip, CancellationToken cancellationToken)
    {
        var subject = Canonical(identity.Provider, identity.Subject);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);

        // 1. A known (provider, subject): refresh the profile fields the provider owns.
        Guid? userId = null;
        await using (var find = new NpgsqlCommand(
            "SELECT user_id FROM social_accounts WHERE provider = @p AND provider_user_id = ANY(@subjects) LIMIT 1", connection, tx))
        {
            find.Parameters.AddWithValue("p", identity.Provider);
            find.Parameters.AddWithValue("subjects", Aliases(identity.Provider, subject));
            userId = await find.ExecuteScalarAsync(cancellationToken) as Guid?;
        }
        var created = false;
        var linked = false;
        if (userId is { } known)
        {
            await using var update = new NpgsqlCommand(
                "UPDATE users SET name = CASE WHEN @name = '' THEN name ELSE @name END, avatar_url = COALESCE(@avatar, avatar_url), updated_at = now() WHERE id = @id; " +
                "UPDATE social_accounts SET provider_data = @data, provider_user_id = @subject WHERE provider = @p AND user_id = @id AND provider_user_id = ANY(@subjects)", connection, tx);
            update.Parameters.AddWithValue("id", known);
            update.Parameters.AddWithValue("name", identity.Name);
            update.Parameters.AddWithValue("avatar", (object?)identity.AvatarUrl ?? DBNull.Value);
            update.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Jsonb) { Value = (object?)identity.ProviderData ?? DBNull.Value });
            update.Parameters.AddWithValue("subject", subject);
            update.Parameters.AddWithValue("p", identity.Provider);
            update.Parameters.AddWithValue("subjects", Aliases(identity.Provider, subject));
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        else
        {
            // 2. The email: only a user with no social account yet may be claimed (pre-provisioned by invite, CSV or create-admin).
            Guid? byEmail = null;
            var hasSocial = false;
            await using (var find = new NpgsqlCommand(
                "SELECT u.id, EXISTS (SELECT 1 FROM social_accounts s WHERE s.user_id = u.id) FROM users u WHERE lower(u.email) = lower(@email) FOR UPDATE", connection, tx))
            {
                find.Parameters.AddWithValue("email", identity.Email);
                await using var reader = await find.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    byEmail = reader.GetGuid(0);
                    hasSocial = reader.GetBoolean(1);
                }
            }
            if (byEmail is not null && hasSocial) return Refuse(IdentityRefusal.EmailLinkedElsewhere);
            if (byEmail is null && policy == UnknownIdentityPolicy.CreateOnlyIfAdmin && !grantAdmin) return Refuse(IdentityRefusal.NotEligible);

            if (byEmail is null)
            {
                userId = Guid.NewGuid();
                await using var insert = new NpgsqlCommand("INSERT INTO users (id, email, name, avatar_url, is_admin) VALUES (@id, @email, @name, @avatar, @admin)", connection, tx);
                insert.Parameters.AddWithValue("id", userId.Value);
                insert.Parameters.AddWithValue("email", identity.Email);
                insert.Parameters.AddWithValue("name", identity.Name);
                insert.Parameters.AddWithValue("avatar", (object?)identity.AvatarUrl ?? DBNull.Value);
                insert.Parameters.AddWithValue("admin", grantAdmin);
                await insert.ExecuteNonQueryAsync(cancellationToken);
                created = true;
                await ActivityTransaction.WriteAsync(connection, tx, new ActivityRow("user_created", userId, "user", userId.Value, null, new { provider = identity.Provider }), cancellationToken);
            }
            else
            {
                userId = byEmail;
                await using var claim = new NpgsqlCommand(
                    "UPDATE users SET name = CASE WHEN @name = '' THEN name ELSE @name END, avatar_url = COALESCE(@avatar, avatar_url), is_admin = is_admin OR @admin, updated_at = now() WHERE id = @id", connection, tx);
                claim.Parameters.AddWithValue("id", userId.Value);
                claim.Parameters.AddWithValue("name", identity.Name);
                claim.Parameters.AddWithValue("avatar", (object?)identity.AvatarUrl ?? DBNull.Value);
                claim.Parameters.AddWithValue("admin", grantAdmin);
                await claim.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var link = new NpgsqlCommand(
                "INSERT INTO social_accounts (id, user_id, provider, provider_user_id, provider_data) VALUES (@id, @user, @p, @subject, @data)", connection, tx))
            {
                link.Parameters.AddWithValue("id", Guid.NewGuid());
                link.Parameters.AddWithValue("user", userId.Value);
                link.Parameters.AddWithValue("p", identity.Provider);
                link.Parameters.AddWithValue("subject", subject);
                link.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Jsonb) { Value = (object?)identity.ProviderData ?? DBNull.Value });
                await link.ExecuteNonQueryAsync(cancellationToken);
            }
            linked = true;
        }

        if (activity is not null)
            await ActivityTransaction.WriteAsync(connection, tx, new ActivityRow(activity, userId, "user", userId!.Value, null, new { provider = identity.Provider, ip }), cancellationToken);

        UserProfile user;
        await using (var read = new NpgsqlCommand($"SELECT {DbReaders.UserColumns} FROM users WHERE id = @id", connection, tx))
        {
            read.Parameters.AddWithValue("id", userId!.Value);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            user = DbReaders.User(reader);
        }
        await tx.CommitAsync(cancellationToken);
        return new IdentityResolution(user, created, linked, null);
    }

    /// <summary>GitHub subjects are stored as <c>github|&lt;id&gt;</c> (one canonical form); the bare id is accepted on lookup.</summary>
    internal static string Canonical(string provider, string subject) =>
        provider == "github" && !subject.StartsWith("github|", StringComparison.Ordinal) ? "github|" + subject : subject;

    private static string[] Aliases(string provider, string canonical) =>
        provider == "github" ? [canonical, canonical["github|".Length..]] : [canonical];

    internal static IdentityResolution Refuse(IdentityRefusal refusal) => new(null, false, false, refusal);
}
