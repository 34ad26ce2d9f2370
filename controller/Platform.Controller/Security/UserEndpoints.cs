using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Audit;

namespace Platform.Controller.Security;

/// <summary>Users and their roles: /api/v1/users, for admins.</summary>
internal static class UserEndpoints
{
    private const string Tag = "users";

    private static readonly ApiField UserName = ApiField.Text("name", TextRule.Name, required: true) with { Description = UserNames.Rule };

    public static void MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/v1/users");
        users.MapGet("/list", List).Describe(new("user_list", Tag, "List the users", typeof(IReadOnlyList<UserView>)) { Access = ApiAccess.Admin });
        users.MapPost("/create", Create).Describe(new("user_create", Tag, "Create a user", typeof(UserView))
        {
            Access = ApiAccess.Admin,
            Fields = [UserName, ApiField.Choice("role", UserRoles.All, required: true), ApiField.Text("password", TextRule.Secret, required: true)],
        });
        users.MapPost("/update", Update).Describe(new("user_update", Tag, "Change a user's role or password, or disable or enable them", typeof(UserView))
        {
            Access = ApiAccess.Admin,
            Description = "A new password or disabling ends the user's sessions; a disabled user's tokens stop working; a lower role narrows their tokens.",
            Fields = [UserName, ApiField.Choice("role", UserRoles.All), ApiField.Text("password", TextRule.Secret, required: false), ApiField.Boolean("disabled")],
        });
        users.MapPost("/delete", Delete).Describe(new("user_delete", Tag, "Delete a user with their sessions and tokens", typeof(object))
        {
            Access = ApiAccess.Admin,
            Fields = [UserName],
        });
    }

    private static Task<IResult> List(HttpRequest http, UserStore users, CancellationToken ct) =>
        ApiCall.RunAsync(http, async _ => (object?)await users.ListAsync(ct), ct);

    private static Task<IResult> Create(HttpRequest http, UserStore users, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = Name(request);
            var role = request.Choice("role", UserRoles.All, required: true);
            var password = Password(request, required: true);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var audit = new AuditEvent(AuditActions.UserCreate, "", Caller.Of(http), new { name, role });
            var (change, user) = await users.CreateAsync(name!, role!, PasswordHashing.Hash(password!), audit, ct);
            return change == UserChange.Done ? user : UserErrors.Of(change, name!);
        }, ct);

    private static Task<IResult> Update(HttpRequest http, UserStore users, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = Name(request);
            var role = request.Choice("role", UserRoles.All);
            var password = Password(request, required: false);
            var disabled = request.Boolean("disabled");
            if (request.IsValid && role is null && password is null && disabled is null)
            {
                request.AddError("role", "give at least one of role, password and disabled");
            }
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var audit = new AuditEvent(AuditActions.UserUpdate, "", Caller.Of(http), new { name, role, password_changed = password is not null, disabled });
            var (change, user) = await users.UpdateAsync(name!, role, password is null ? null : PasswordHashing.Hash(password), disabled, null, audit, ct);
            return change == UserChange.Done ? user : UserErrors.Of(change, name!);
        }, ct);

    private static Task<IResult> Delete(HttpRequest http, UserStore users, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = Name(request);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var change = await users.DeleteAsync(name!, new AuditEvent(AuditActions.UserDelete, "", Caller.Of(http), new { name }), ct);
            return change == UserChange.Done ? null : UserErrors.Of(change, name!);
        }, ct);

    private static string? Name(ApiRequest request)
    {
        var name = request.Text("name", TextRule.Name, required: true);
        if (name is not null && !UserNames.IsValid(name))
        {
            request.AddError("name", UserNames.Rule);
            return null;
        }
        return name;
    }

    private static string? Password(ApiRequest request, bool required)
    {
        var password = request.Text("password", TextRule.Secret, required);
        if (password is not null && password.Length < SecurityOptions.MinimumPasswordLength)
        {
            request.AddError("password", $"must be at least {SecurityOptions.MinimumPasswordLength} characters");
            return null;
        }
        return password;
    }
}
