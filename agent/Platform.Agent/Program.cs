using Platform.Agent.Compute;
using Platform.Agent.DriverDisk;
using Platform.Agent.Grpc;
using Platform.Agent.Registration;
using Platform.Agent.Storage;
using Platform.Common.Health;
using Platform.Common.Hosting;
using Platform.Rpc.Tls;

const string Component = "agent";

// Before anything else allocates from many threads: see NativeHeap.
Platform.Agent.Linux.NativeHeap.LimitArenas();

// Content root is where the binaries and appsettings.json are, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddPlatformDefaults(Component, args);
builder.AddCompute();
builder.AddStorage();
builder.AddDriverDisk();
builder.AddAgentGrpc();
builder.AddEndpointTls();
builder.AddHostRegistration();

var app = builder.Build();
app.ValidateSettings();
app.UseExceptionHandler();
app.MapPlatformHealth(Component);
app.MapAgentGrpc();

app.Run();
