using System.Text.Json;
using System.Text.Json.Serialization;
using Sentinel.Client;
using Sentinel.Sample.Documents;

var builder = WebApplication.CreateBuilder(args);

// Sentinel: the "Sentinel" section (BaseUrl, ServiceKey, ServiceName, Mode); the key comes from Sentinel__ServiceKey.
builder.Services.AddSentinel();

// Sentinel's refusals and outages answer with their status and {"detail","code"} (503 when Sentinel is down).
builder.Services.AddProblemDetails();

// JSON like Sentinel's own: snake_case names and enum values.
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
});

builder.Services.AddSingleton<DocumentStore>();

var app = builder.Build();

app.UseExceptionHandler();
app.UseAuthentication();
app.UseAuthorization();

app.MapDocumentEndpoints();

app.Run();

public partial class Program;
