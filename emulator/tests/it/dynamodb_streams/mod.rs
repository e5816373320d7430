//! The DynamoDB Streams API through `aws-sdk-dynamodbstreams`, reading the streams that
//! DynamoDB writes through `aws-sdk-dynamodb`.

pub mod api;
mod retention;
