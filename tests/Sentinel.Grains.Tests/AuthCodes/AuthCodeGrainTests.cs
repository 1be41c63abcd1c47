using Sentinel.Grains.AuthCodes;
using Xunit;

namespace Sentinel.Grains.Tests.AuthCodes;

[Collection(ClusterCollection.Name)]
public sealed class AuthCodeGrainTests(ClusterFixture fixture)
{
    private static DateTimeOffset Now => ClusterFixture.Time.GetUtcNow();

    private static AuthCodeGrant Grant(TimeSpan? lifetime = null) =>
        new(Guid.NewGuid(), "dex", Guid.NewGuid(), "App", "challenge", "S256", Now + (lifetime ?? TimeSpan.FromMinutes(5)));

    private IAuthCodeGrain Code() => fixture.Grains.GetGrain<IAuthCodeGrain>(AuthCodeKeys.For(Guid.NewGuid().ToString()));

    [Fact]
    public async Task a_code_can_be_peeked_repeatedly_but_consumed_only_once()
    {
        var code = Code();
        var grant = Grant();
        Assert.True(await code.IssueAsync(grant));

        Assert.Equal(grant, await code.PeekAsync());
        Assert.Equal(grant, await code.PeekAsync());
        Assert.Equal(grant, await code.ConsumeAsync());
        Assert.Null(await code.ConsumeAsync());
        Assert.Null(await code.PeekAsync());
    }

    [Fact]
    public async Task a_key_that_holds_a_code_refuses_a_second_one()
    {
        var code = Code();
        Assert.True(await code.IssueAsync(Grant()));
        Assert.False(await code.IssueAsync(Grant()));
    }

    [Fact]
    public async Task an_expired_code_is_neither_peeked_nor_consumed()
    {
        var peeked = Code();
        var consumed = Code();
        await peeked.IssueAsync(Grant(TimeSpan.FromMinutes(5)));
        await consumed.IssueAsync(Grant(TimeSpan.FromMinutes(5)));

        ClusterFixture.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        Assert.Null(await peeked.PeekAsync());
        Assert.Null(await consumed.ConsumeAsync());
    }

    [Fact]
    public async Task the_key_is_a_prefixed_sha256_of_the_code_never_the_code()
    {
        var key = AuthCodeKeys.For("abc");
        Assert.Equal("ac:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", key);
    }
}
