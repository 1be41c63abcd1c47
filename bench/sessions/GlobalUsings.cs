global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;
global using Microsoft.Extensions.Hosting;
global using Microsoft.Extensions.Logging;
global using Orleans;
global using Orleans.Runtime;
global using Sentinel.Grains.Sessions;
