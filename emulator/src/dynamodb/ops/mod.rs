//! One module per DynamoDB operation, named after it. Each exposes a function of the same
//! name taking the service, the request's region and the decoded input.
