using Platform.Common.Health;
using Platform.Common.Hosting;
using Platform.Controller.Inventory;

const string Component = "controller";

// Content root is where the binaries and appsettings.json are, whatever the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddPlatformDefaults(Component, args);
builder.AddInventoryDatabase();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapPlatformHealth(Component);

app.Run();
