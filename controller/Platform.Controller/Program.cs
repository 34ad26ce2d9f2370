using Platform.Common.Health;
using Platform.Common.Hosting;
using Platform.Rpc.Tls;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Audit;
using Platform.Controller.WebConsole;
using Platform.Controller.DriverCenter;
using Platform.Controller.Grpc;
using Platform.Controller.Hosts;
using Platform.Controller.Idempotency;
using Platform.Controller.Images;
using Platform.Controller.Instances;
using Platform.Controller.Inventory;
using Platform.Controller.Networks;
using Platform.Controller.Reconciliation;
using Platform.Controller.Security;
using Platform.Controller.Tasks;
using Platform.Controller.Volumes;

const string Component = "controller";

var listRoutes = RouteListing.IsRequested(args);
args = RouteListing.WithoutSwitch(args);
// Content root is where the binaries and appsettings.json are, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddPlatformDefaults(Component, args);
builder.AddInventoryDatabase();
builder.AddRestApi();
builder.AddSecurity();
builder.AddApiDescription();
builder.AddIdempotency();
builder.AddHosts();
builder.AddTasks();
builder.AddAudit();
builder.AddImages();
builder.AddInstances();
builder.AddVolumes();
builder.AddNetworks();
builder.AddReconciliation();
builder.AddDriverCenter();
builder.AddControllerGrpc();
builder.AddEndpointTls();

var app = builder.Build();
app.ValidateSettings();
app.UseRequestSizeLimits();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseConsole();
app.UseSecurity();
app.UseIdempotency();
app.MapPlatformHealth(Component);
app.MapApiDescription();
app.MapAuthEndpoints();
app.MapTokenEndpoints();
app.MapUserEndpoints();
app.MapImageEndpoints();
app.MapInstanceEndpoints();
app.MapVolumeEndpoints();
app.MapNetworkEndpoints();
app.MapTaskEndpoints();
app.MapAuditEndpoints();
app.MapHostEndpoints();
app.MapDriftEndpoints();
app.MapDriverCenterEndpoints();
app.MapApiFallback();
app.MapControllerGrpc();

if (listRoutes)
{
    RouteListing.Write(app, Console.Out);
    return;
}

await app.MigrateInventoryAsync();
await app.CreateInitialAdminAsync();
await app.SeedNetworksAsync();
await app.RunAsync();
