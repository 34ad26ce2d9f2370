using Dapper;
using Npgsql;
using Platform.Controller.Audit;
using Platform.Controller.Inventory;

namespace Platform.Controller.Security;

/// <summary>A user as the API shows it (never its password hash).</summary>
internal sealed record UserView(string UserId, string Name, string Role, bool Disabled, long CreatedAt, long UpdatedAt);

/// <summary>A user with the hash its password is checked against.</summary>
internal sealed record UserCredentials(string UserId, string Name, string Role, bool Disabled, string PasswordHash);

/// <summary>What a change to the users found; the change is made only for <see cref="Done"/>.</summary>
internal enum UserChange
{
    Done,
    NotFound,
    NameTaken,
    LastAdmin,
}

/// <summary>
/// The users table. Every change that could leave nobody able to manage users (removing,
/// disabling or demoting the last enabled admin) is refused under a lock on the admins, so two
/// admins demoting each other at once cannot both succeed.
/// </summary>
internal sealed class UserStore(NpgsqlDataSource dataSource)
{
    private const string View =
        "user_id, name, role, disabled, extract(epoch FROM created_at)::bigint AS created_at, extract(epoch FROM updated_at)::bigint AS updated_at";

    public async Task<IReadOnlyList<UserView>> ListAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<UserView>(new CommandDefinition($"SELECT {View} FROM users ORDER BY name", cancellationToken: ct))).AsList();
    }

    public async Task<UserCredentials?> FindAsync(string name, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserCredentials>(new CommandDefinition(
            "SELECT user_id, name, role, disabled, password_hash FROM users WHERE name = @name", new { name }, cancellationToken: ct));
    }

    public async Task<UserView?> FindByIdAsync(string userId, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserView>(new CommandDefinition(
            $"SELECT {View} FROM users WHERE user_id = @userId", new { userId }, cancellationToken: ct));
    }

    /// <summary>Creates the first admin when there is no user at all; false when there already is one.</summary>
    public async Task<bool> CreateFirstAdminAsync(string name, string passwordHash, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // Replicas starting together: one creates it, the others see it.
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE", transaction: transaction, cancellationToken: ct));
        var any = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM users)", transaction: transaction, cancellationToken: ct));
        if (!any)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO users (user_id, name, role, password_hash) VALUES (@id, @name, @role, @passwordHash)",
                new { id = Credentials.NewId(Credentials.UserIdPrefix), name, role = UserRoles.Admin, passwordHash }, transaction, cancellationToken: ct));
        }
        await transaction.CommitAsync(ct);
        return !any;
    }

    public async Task<(UserChange Change, UserView? User)> CreateAsync(string name, string role, string passwordHash, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var id = Credentials.NewId(Credentials.UserIdPrefix);
        var created = await connection.QuerySingleOrDefaultAsync<UserView>(new CommandDefinition(
            $"INSERT INTO users (user_id, name, role, password_hash) VALUES (@id, @name, @role, @passwordHash) ON CONFLICT (name) DO NOTHING RETURNING {View}",
            new { id, name, role, passwordHash }, transaction, cancellationToken: ct));
        if (created is null)
        {
            return (UserChange.NameTaken, null);
        }
        await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = id }, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return (UserChange.Done, created);
    }

    /// <summary>
    /// Changes what is given. A new password or disabling ends the user's sessions (other than
    /// <paramref name="keepSession"/>); disabling also stops their tokens, which are checked against the user on every call.
    /// </summary>
    public async Task<(UserChange Change, UserView? User)> UpdateAsync(
        string name, string? role, string? passwordHash, bool? disabled, string? keepSession, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var current = await LockAsync(connection, transaction, name, ct);
        if (current is null)
        {
            return (UserChange.NotFound, null);
        }
        var losesAdmin = current.Role == UserRoles.Admin && !current.Disabled
            && ((role is not null && role != UserRoles.Admin) || disabled == true);
        if (losesAdmin && await OtherEnabledAdminsAsync(connection, transaction, current.UserId, ct) == 0)
        {
            return (UserChange.LastAdmin, null);
        }
        var updated = await connection.QuerySingleAsync<UserView>(new CommandDefinition(
            $"""
            UPDATE users SET role = coalesce(@role, role), password_hash = coalesce(@passwordHash, password_hash),
                             disabled = coalesce(@disabled, disabled), updated_at = now()
            WHERE user_id = @UserId RETURNING {View}
            """,
            new { role, passwordHash, disabled, current.UserId }, transaction, cancellationToken: ct));
        if (passwordHash is not null || disabled == true)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM sessions WHERE user_id = @UserId AND session_id IS DISTINCT FROM @keepSession",
                new { current.UserId, keepSession }, transaction, cancellationToken: ct));
        }
        // The tokens' role never exceeds the user's: a demotion narrows them too.
        if (role is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE api_tokens SET role = @role WHERE user_id = @UserId AND array_position(@ranked, role) > array_position(@ranked, @role)",
                new { role, current.UserId, ranked = UserRoles.All.ToArray() }, transaction, cancellationToken: ct));
        }
        await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = current.UserId }, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return (UserChange.Done, updated);
    }

    /// <summary>Deletes the user with their sessions and tokens.</summary>
    public async Task<UserChange> DeleteAsync(string name, AuditEvent audit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var current = await LockAsync(connection, transaction, name, ct);
        if (current is null)
        {
            return UserChange.NotFound;
        }
        if (current.Role == UserRoles.Admin && !current.Disabled && await OtherEnabledAdminsAsync(connection, transaction, current.UserId, ct) == 0)
        {
            return UserChange.LastAdmin;
        }
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM users WHERE user_id = @UserId", new { current.UserId }, transaction, cancellationToken: ct));
        await AuditStore.WriteAsync(connection, transaction, audit with { ResourceId = current.UserId }, AuditOutcomes.Succeeded, null, null, ct);
        await transaction.CommitAsync(ct);
        return UserChange.Done;
    }

    private static async Task<UserCredentials?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken ct)
    {
        // The admins first, always in the same order, then the user: the last-admin check holds until commit.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM users WHERE role = 'admin' ORDER BY user_id FOR UPDATE", transaction: transaction, cancellationToken: ct));
        return await connection.QuerySingleOrDefaultAsync<UserCredentials>(new CommandDefinition(
            "SELECT user_id, name, role, disabled, password_hash FROM users WHERE name = @name FOR UPDATE", new { name }, transaction, cancellationToken: ct));
    }

    private static Task<long> OtherEnabledAdminsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string userId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND user_id <> @userId", new { userId }, transaction, cancellationToken: ct));
}
