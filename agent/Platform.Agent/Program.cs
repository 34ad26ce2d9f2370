using Platform.Agent.Compute;
using Platform.Agent.Storage;
using Platform.Common.Health;
using Platform.Common.Hosting;

const string Component = "agent";

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults(Component, args);
builder.AddCompute();
builder.AddStorage();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapPlatformHealth(Component);

app.Run();
