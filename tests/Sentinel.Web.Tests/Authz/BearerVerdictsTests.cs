using Microsoft.Extensions.Time.Testing;
using Sentinel.Web.Authz;
using Sentinel.Web.Tokens;
using Xunit;

namespace Sentinel.Web.Tests.Authz;

/// <summary>
/// The edge's memory of bearers it verified: found again by the token's characters where they lie in the
/// <c>Authorization</c> header (no copy of the token per request), only for the very same characters, and never past the
/// token's expiry.
/// </summary>
public sealed class BearerVerdictsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 3, 0, 0, TimeSpan.Zero);

    private static BearerVerdicts.Bearer Bearer(DateTimeOffset expires) => new(TokenKind.Access, Guid.NewGuid(), Guid.NewGuid(), Now, expires,
        Guid.NewGuid(), "viewer", null, Guid.NewGuid(), null);

    [Fact]
    public void a_remembered_bearer_is_found_by_the_header_slice_and_no_other_token_is()
    {
        var verdicts = new BearerVerdicts(new FakeTimeProvider(Now));
        var bearer = Bearer(Now.AddMinutes(5));
        verdicts.Remember("eyJ.token.signature", bearer);

        var header = "Bearer eyJ.token.signature";
        Assert.Same(bearer, verdicts.Find(header.AsSpan("Bearer ".Length)));
        Assert.Same(bearer, verdicts.Find("eyJ.token.signature"));
        // One character more, less or different: not the token that verified.
        Assert.Null(verdicts.Find("Bearer eyJ.token.signaturX".AsSpan("Bearer ".Length)));
        Assert.Null(verdicts.Find("eyJ.token.signatur".AsSpan()));
        Assert.Null(verdicts.Find("eyJ.token.signature.".AsSpan()));
    }

    [Fact]
    public void an_expired_bearer_is_not_found()
    {
        var time = new FakeTimeProvider(Now);
        var verdicts = new BearerVerdicts(time);
        verdicts.Remember("eyJ.short.lived", Bearer(Now.AddSeconds(30)));
        Assert.NotNull(verdicts.Find("Bearer eyJ.short.lived".AsSpan("Bearer ".Length)));

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(verdicts.Find("Bearer eyJ.short.lived".AsSpan("Bearer ".Length)));
        Assert.Null(verdicts.Find("eyJ.short.lived"));
    }
}
