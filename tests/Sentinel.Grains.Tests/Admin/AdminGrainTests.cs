using Sentinel.Grains.Admin;
using Sentinel.Grains.Directory;
using Sentinel.Grains.Tests.Data;
using Xunit;

namespace Sentinel.Grains.Tests.Admin;

/// <summary>The admin grains with their real stores on the test database.</summary>
[Collection(DatabaseCollection.Name)]
public sealed class AdminGrainTests(DatabaseFixture fixture)
{
    private IAdminUserCommandsGrain Commands => fixture.Grains.GetGrain<IAdminUserCommandsGrain>(0);

    [Fact]
    public async Task update_names_the_first_applicable_action_and_the_user_grain_sees_the_change()
    {
        var actor = await fixture.InsertUserAsync();
        var user = await fixture.InsertUserAsync(isAdmin: true);
        Assert.True((await fixture.Grains.GetGrain<IUserGrain>(user).GetAsync(default))!.IsAdmin);

        var action = await Commands.UpdateAsync(user, new AdminUserUpdate(null, false, false), actor, default);

        Assert.Equal("user_demoted_admin", action);
        var cached = await fixture.Grains.GetGrain<IUserGrain>(user).GetAsync(default);
        Assert.Equal((false, false), (cached!.IsAdmin, cached.IsActive));
        Assert.Equal("user_demoted_admin", Assert.Single(await fixture.ActivityAsync(user)).Action);
    }

    [Fact]
    public async Task update_of_an_unknown_user_returns_null()
    {
        Assert.Null(await Commands.UpdateAsync(Guid.NewGuid(), new AdminUserUpdate("x", null, null), await fixture.InsertUserAsync(), default));
    }

    [Fact]
    public async Task bulk_status_counts_only_existing_users_and_deactivates_them()
    {
        var actor = await fixture.InsertUserAsync();
        var user = await fixture.InsertUserAsync();

        Assert.Equal(1, await Commands.BulkStatusAsync([user, user, Guid.NewGuid()], false, actor, default));
        Assert.False((await fixture.Grains.GetGrain<IUserGrain>(user).GetAsync(default))!.IsActive);
    }

    [Fact]
    public async Task revoke_tokens_records_the_action_for_a_user_without_sessions()
    {
        var actor = await fixture.InsertUserAsync();
        var user = await fixture.InsertUserAsync();

        Assert.Equal(0, await Commands.RevokeTokensAsync(user, actor, default));
        Assert.Equal(("tokens_revoked", actor), (Assert.Single(await fixture.ActivityAsync(user)).Action, Assert.Single(await fixture.ActivityAsync(user)).ActorId));
    }

    [Fact]
    public async Task query_grain_reads_a_user_detail_through_its_store()
    {
        var user = await fixture.InsertUserAsync();

        var detail = await fixture.Grains.GetGrain<IAdminQueryGrain>(0).GetUserAsync(user, default);

        Assert.Equal(user, detail!.User.Id);
        Assert.Null(await fixture.Grains.GetGrain<IAdminQueryGrain>(0).GetUserAsync(Guid.NewGuid(), default));
    }

    [Fact]
    public async Task directory_query_grain_lists_client_and_service_apps_from_their_stores()
    {
        var app = Guid.NewGuid();
        await fixture.Grains.GetGrain<Sentinel.Grains.ClientApps.IClientAppGrain>(app).CreateAsync("listed", [], null, default);
        var service = await fixture.Grains.GetGrain<Sentinel.Grains.ServiceApps.IServiceAppGrain>(Guid.NewGuid()).CreateAsync("listed", $"svc-{Guid.NewGuid():N}", [], [], null, default);
        var grain = fixture.Grains.GetGrain<IAdminDirectoryQueryGrain>(0);

        Assert.Contains(await grain.ListClientAppsAsync(default), a => a.Id == app);
        Assert.Contains(await grain.ListServiceAppsAsync(default), a => a.Id == service.Value!.App.Id);
    }

    [Fact]
    public async Task an_import_job_commits_its_rows_and_reports_completion()
    {
        var actor = await fixture.InsertUserAsync();
        var (ws, slug) = await fixture.InsertWorkspaceAsync();
        var email = $"{Guid.NewGuid():N}@job.test";
        var rows = new[] { new CsvImportRow(2, email, "Job", slug, WorkspaceRole.Editor), new CsvImportRow(3, "x@job.test", "X", "no-such-" + slug, WorkspaceRole.Viewer) };
        var job = fixture.Grains.GetGrain<IAdminImportJobGrain>(Guid.NewGuid());

        await job.StartAsync(new ImportJobRequest(actor, 2, rows, [], 100), default);
        ImportJobStatus? status = null;
        for (var i = 0; i < 200 && status?.State is not (ImportJobStates.Completed or ImportJobStates.Failed); i++)
        {
            await Task.Delay(50);
            status = await job.GetAsync(default);
        }

        Assert.Equal(ImportJobStates.Completed, status!.State);
        Assert.Equal((1, 1, 1), (status.UsersCreated, status.MembershipsAdded, status.ErrorCount));
        Assert.NotNull(await fixture.Grains.GetGrain<IDirectoryQueryGrain>(0).FindUserIdByEmailAsync(email, default));
        Assert.Equal(3, Assert.Single((await job.GetErrorsAsync(default))!).Line);
        Assert.Equal(1L, await fixture.ScalarAsync("SELECT count(*) FROM activity_logs WHERE action = 'batch_import' AND actor_id = @a", ("a", actor)));
    }
}
