namespace Sentinel.Web.Errors;

/// <summary>
/// For an endpoint whose handler is not Sentinel's (a framework library's, such as the OpenAPI document): holds back a
/// non-JSON body written under an error status, so the conventions answer the contract's JSON error instead (docs/errors.md:
/// every error body is JSON). Successful bodies pass through unchanged.
/// </summary>
internal sealed class FrameworkErrorGuard : Stream, Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature
{
    private readonly HttpContext context;
    private readonly Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature prior;
    private readonly Stream inner;
    private System.IO.Pipelines.PipeWriter? writer;
    private bool? swallow;

    private FrameworkErrorGuard(HttpContext context)
    {
        this.context = context;
        prior = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()!;
        inner = prior.Stream;
        context.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>(this);
    }

    Stream Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.Stream => this;

    System.IO.Pipelines.PipeWriter Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.Writer =>
        writer ??= System.IO.Pipelines.PipeWriter.Create(this, new System.IO.Pipelines.StreamPipeWriterOptions(leaveOpen: true));

    void Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.DisableBuffering() => prior.DisableBuffering();

    // Starting the response is what would send the error's headers; a swallowed body never starts it.
    Task Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) =>
        Swallow() ? Task.CompletedTask : prior.StartAsync(cancellationToken);

    Task Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        Swallow() ? Task.CompletedTask : prior.SendFileAsync(path, offset, count, cancellationToken);

    async Task Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature.CompleteAsync()
    {
        if (writer is not null) await writer.FlushAsync();
        if (!Swallow()) await prior.CompleteAsync();
    }

    public bool Swallowed => swallow == true;

    public static FrameworkErrorGuard? For(HttpContext context)
    {
        var handler = context.GetEndpoint()?.Metadata.GetMetadata<System.Reflection.MethodInfo>();
        return handler is not null && handler.DeclaringType?.Assembly != typeof(FrameworkErrorGuard).Assembly ? new FrameworkErrorGuard(context) : null;
    }

    public void Restore()
    {
        writer?.FlushAsync().AsTask().GetAwaiter().GetResult();
        context.Features.Set(prior);
    }

    private bool Swallow()
    {
        if (swallow is { } decided) return decided;
        var response = context.Response;
        swallow = response.StatusCode >= 400 && response.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true;
        return swallow.Value;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!Swallow()) inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Swallow()) await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Swallowed ? Task.CompletedTask : inner.FlushAsync(cancellationToken);
    public override void Flush() { if (!Swallowed) inner.Flush(); }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
