using Sentinel.Observability;
using Xunit;

namespace Sentinel.Web.Tests.Infrastructure.Hosting;

public sealed class RedactionTests
{
    [Theory]
    [InlineData("login by alice.smith@example.com", "login by ***@example.com")]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]")]
    [InlineData("key sk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg used", "key sk_[redacted] used")]
    [InlineData("GET /auth/callback?code=SECRETCODE&state=xyz", "GET /auth/callback?code=[redacted]&state=[redacted]")]
    public void redact_keeps_the_domain_and_hides_secrets(string input, string expected) =>
        Assert.Equal(expected, RedactingFormatter.Redact(input));

    [Fact]
    public void redact_hides_jwts()
    {
        var token = Sentinel.Testing.TestTokens.Access(Guid.NewGuid(), Guid.NewGuid(), "viewer");
        Assert.Equal("token [redacted-jwt] end", RedactingFormatter.Redact($"token {token} end"));
    }
}
