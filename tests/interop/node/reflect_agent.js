#!/usr/bin/env node
'use strict';
/*
 * grpc-js peer of the interop tests: knows nothing of the agent's contract but its address.
 * Lists the services by server reflection, resolves one service's file descriptors through
 * reflection only (no local .proto files), builds a grpc-js client from them and calls a
 * unary method with an empty request. Prints one JSON object with what it observed.
 *
 * usage: node reflect_agent.js --target http://127.0.0.1:PORT
 *          [--reflection v1|v1alpha] [--service platform.agent.v1.HostService]
 *          [--method GetAgentInfo | --method ""] [--ca CA.pem [--cert C.pem --key K.pem]]
 *          [--deadline-ms MS]
 * --method "" resolves and describes the service without calling it.
 * Exit status: 0 when it could observe (even an RPC error, which is in the JSON), 2 for bad
 * arguments, 1 for anything unexpected.
 */
const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const { GrpcReflection } = require('grpc-js-reflection-client');

function parseArguments(argv) {
    const options = {
        target: null, reflection: 'v1', service: 'platform.agent.v1.HostService', method: 'GetAgentInfo',
        ca: null, cert: null, key: null, deadlineMs: 10000,
    };
    const names = { '--target': 'target', '--reflection': 'reflection', '--service': 'service', '--method': 'method',
        '--ca': 'ca', '--cert': 'cert', '--key': 'key', '--deadline-ms': 'deadlineMs' };
    for (let i = 0; i < argv.length; i += 2) {
        const name = names[argv[i]];
        if (!name || i + 1 >= argv.length) {
            throw new UsageError(`unknown or incomplete argument ${argv[i]}`);
        }
        options[name] = name === 'deadlineMs' ? Number(argv[i + 1]) : argv[i + 1];
    }
    if (!options.target) {
        throw new UsageError('--target is required');
    }
    if (!['v1', 'v1alpha'].includes(options.reflection)) {
        throw new UsageError('--reflection is v1 or v1alpha');
    }
    return options;
}

class UsageError extends Error {}

function channel(options) {
    const url = new URL(options.target);
    const secure = url.protocol === 'https:' || options.ca !== null;
    const address = `${url.hostname}:${url.port}`;
    const credentials = secure
        ? grpc.credentials.createSsl(
            options.ca ? fs.readFileSync(options.ca) : null,
            options.key ? fs.readFileSync(options.key) : null,
            options.cert ? fs.readFileSync(options.cert) : null)
        : grpc.credentials.createInsecure();
    return { address, credentials };
}

function deadline(options) {
    return new Date(Date.now() + options.deadlineMs);
}

function rpcError(error) {
    // grpc-js errors carry code/details; the reflection client wraps them in an Error whose
    // message is the grpc-js error as text ("Error: 14 UNAVAILABLE: ...").
    if (error && typeof error.code === 'number') {
        return { code: grpc.status[error.code], details: error.details };
    }
    const text = String(error && error.message || error);
    const match = /^(?:Error: )?(\d+) ([A-Z_]+): ?([\s\S]*)$/.exec(text);
    return match ? { code: match[2], details: match[3] } : { code: null, details: text };
}

function lookup(root, dottedName) {
    return dottedName.split('.').reduce((node, part) => (node ? node[part] : undefined), root);
}

function unary(client, method, options) {
    return new Promise((resolve, reject) => {
        client[method]({}, new grpc.Metadata(), { deadline: deadline(options) }, (error, response) => {
            if (error) {
                reject(error);
            } else {
                resolve(response);
            }
        });
    });
}

async function main() {
    let options;
    try {
        options = parseArguments(process.argv.slice(2));
    } catch (error) {
        if (error instanceof UsageError) {
            process.stderr.write(`reflect_agent.js: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
    const { address, credentials } = channel(options);
    const observed = {
        peer: `@grpc/grpc-js ${require('@grpc/grpc-js/package.json').version}, grpc-js-reflection-client ${require('grpc-js-reflection-client/package.json').version}`,
        reflection_version: options.reflection,
        service: options.service,
        method: options.method,
    };
    const reflection = new GrpcReflection(address, credentials, {}, options.reflection);
    const callOptions = { deadline: deadline(options) };

    try {
        observed.services = await reflection.listServices('*', new grpc.Metadata(), callOptions);
    } catch (error) {
        observed.list_error = rpcError(error);
    }

    let serviceClient = null;
    try {
        const descriptor = await reflection.getDescriptorBySymbol(options.service, new grpc.Metadata(), callOptions);
        const files = descriptor.getDescriptorMessage().file || [];
        observed.files = files.map((file) => file.name);
        const packageObject = descriptor.getPackageObject({ keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
        const ServiceClient = lookup(packageObject, options.service);
        if (typeof ServiceClient !== 'function' || !ServiceClient.service) {
            observed.resolve_error = `${options.service} is not a service in the reflected descriptors`;
        } else {
            observed.methods = Object.entries(ServiceClient.service).map(([name, definition]) => ({
                name,
                path: definition.path,
                request_stream: definition.requestStream,
                response_stream: definition.responseStream,
                request_type: definition.requestType && definition.requestType.type ? definition.requestType.type.name : null,
                response_type: definition.responseType && definition.responseType.type ? definition.responseType.type.name : null,
            }));
            const definition = ServiceClient.service[options.method];
            if (!options.method) {
                // --method "": resolve and describe only.
            } else if (!definition) {
                observed.resolve_error = `${options.service} has no method ${options.method}`;
            } else if (definition.requestStream || definition.responseStream) {
                observed.resolve_error = `${options.method} is not unary; this peer calls unary methods only`;
            } else {
                serviceClient = new ServiceClient(address, credentials);
            }
        }
    } catch (error) {
        observed.resolve_error = rpcError(error);
    }

    if (serviceClient) {
        try {
            observed.response = await unary(serviceClient, options.method, options);
            observed.code = 'OK';
        } catch (error) {
            Object.assign(observed, rpcError(error));
        } finally {
            serviceClient.close();
        }
    }
    // The library keeps its reflection channel open; close it so the process can exit.
    if (reflection.client && typeof reflection.client.close === 'function') {
        reflection.client.close();
    }
    process.stdout.write(`${JSON.stringify(observed)}\n`);
    return 0;
}

main().then(
    (code) => { process.exitCode = code; },
    (error) => { process.stderr.write(`reflect_agent.js: ${error && error.stack || error}\n`); process.exitCode = 1; });
