using Platform.Common.Health;
using Platform.Common.Hosting;
using Platform.Controller.Inventory;

const string Component = "controller";

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatformDefaults(Component, args);
builder.AddInventoryDatabase();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapPlatformHealth(Component);

app.Run();
